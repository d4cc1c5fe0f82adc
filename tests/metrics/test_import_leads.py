"""The `leads` record kind: imported like the other kinds, and the Salesforce and HubSpot
presets' mappings (issue 9)."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from metrics.models import ImportJob, Lead
from tests.metrics.factories import AccountFactory
from tests.metrics.test_import_command import SALESFORCE, run_import
from tests.metrics.test_import_views import _media, import_manager, upload  # noqa: F401

pytestmark = pytest.mark.django_db

HEADER = "external_id,created_date,source,owner,status,qualified_date,converted_date,account\n"


def leads():
    return {
        lead.external_id: (lead.created_date, lead.source, lead.qualified_date, lead.converted_date)
        for lead in Lead.objects.all()
    }


def test_a_good_file_stores_every_column(tmp_path):
    account = AccountFactory(external_id="A1")
    content = (
        HEADER
        + "L1,2026-01-05,Webinar,Ana,Working,2026-01-07,2026-02-01,A1\n"
        + "L2,2026-01-06,,,,,,\n"  # a lead without dates (and no source)
    )

    code, out, _ = run_import(tmp_path, "leads", content)

    assert code == 0, out
    first = Lead.objects.get(external_id="L1")
    assert (first.owner, first.status, first.account_id) == ("Ana", "Working", account.pk)
    assert leads() == {
        "L1": (date(2026, 1, 5), "Webinar", date(2026, 1, 7), date(2026, 2, 1)),
        "L2": (date(2026, 1, 6), "", None, None),
    }


def test_converted_or_qualified_before_created_is_rejected_with_the_line_and_nothing_is_written(
    tmp_path,
):
    content = (
        HEADER
        + "L1,2026-01-05,Webinar,,,,2026-01-04,\n"
        + "L2,2026-01-05,Webinar,,,2025-12-31,,\n"
        + "L3,,Webinar,,,,,\n"
    )

    code, _, err = run_import(tmp_path, "leads", content)

    assert code == 1
    assert (
        'line 2, column converted_date, value "2026-01-04": is before created_date (2026-01-05)'
        in err
    )
    assert 'line 3, column qualified_date, value "2025-12-31": is before created_date' in err
    assert 'line 4, column created_date, value "": is required' in err
    assert Lead.objects.count() == 0


def test_the_database_refuses_a_conversion_before_creation_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(
            external_id="L1", created_date=date(2026, 1, 5), converted_date=date(2026, 1, 4)
        )


def test_reimporting_updates_by_external_id(tmp_path):
    run_import(tmp_path, "leads", HEADER + "L1,2026-01-05,Webinar,,New,,,\n")

    code, _, _ = run_import(tmp_path, "leads", HEADER + "L1,2026-01-05,Webinar,,SQL,2026-01-09,,\n")

    assert code == 0
    assert Lead.objects.get().status == "SQL"
    assert leads() == {"L1": (date(2026, 1, 5), "Webinar", date(2026, 1, 9), None)}


def test_skip_invalid_and_dry_run(tmp_path):
    content = HEADER + "L1,2026-01-05,Webinar,,,,,\nL2,2026-13-45,Webinar,,,,,\n"

    code, out, _ = run_import(tmp_path, "leads", content, "--dry-run")
    assert code == 1 and "Nothing was written." in out
    assert Lead.objects.count() == 0

    code, out, _ = run_import(tmp_path, "leads", content, "--skip-invalid")
    assert code == 1
    assert "Imported 1 of 2 leads rows. Skipped 1 invalid row." in out
    assert list(leads()) == ["L1"]


def test_an_unknown_converted_account_is_a_row_error_unless_accounts_are_created(tmp_path):
    content = HEADER + "L1,2026-01-05,Webinar,,,,2026-01-20,ACME\n"

    code, _, err = run_import(tmp_path, "leads", content)
    assert code == 1 and "column account" in err and Lead.objects.count() == 0

    code, _, _ = run_import(tmp_path, "leads", content, "--create-accounts")
    assert code == 0
    assert Lead.objects.get().account.external_id == "ACME"


# --- Presets ------------------------------------------------------------------------------------


def test_the_salesforce_sample_lead_export_imports_with_qualified_from_its_status(tmp_path):
    code, out, _ = run_import(tmp_path, "leads", SALESFORCE / "Lead.csv", "--preset", "salesforce")

    assert code == 0, out
    assert Lead.objects.count() == 60
    first = Lead.objects.get(external_id="00QEc00000BBaeXMAT")
    # CreatedDate 2024-01-22T20:36:47.000+0000, LeadSource, Status Qualified, OwnerId.
    assert (first.created_date, first.source, first.status, first.owner) == (
        date(2024, 1, 22),
        "Online Form",
        "Qualified",
        "005Ec000004oBPNIA2",
    )
    # No date of qualification in a Lead export: a Qualified status qualifies on CreatedDate.
    assert first.qualified_date == date(2024, 1, 22)
    assert first.email == "william.lee@example.com"  # the Email column
    assert Lead.objects.filter(qualified_date__isnull=False).count() == 24  # Status = Qualified
    assert not Lead.objects.filter(status="New", qualified_date__isnull=False).exists()


SALESFORCE_LEADS = (
    "Id,CreatedDate,LeadSource,Status,ConvertedDate,ConvertedAccountId,OwnerId\n"
    "00Q1,2026-01-05T10:00:00.000+0000,Web,Working - Contacted,,,005A\n"
    "00Q2,2026-01-06T10:00:00.000+0000,Web,Closed - Converted,2026-02-03,001X,005A\n"
    "00Q3,2026-01-07T10:00:00.000+0000,Partner,Open - Not Contacted,,,005B\n"
)


def test_salesforce_leads_map_converted_date_and_account_and_default_qualified_statuses(tmp_path):
    account = AccountFactory(external_id="001X")

    code, out, _ = run_import(tmp_path, "leads", SALESFORCE_LEADS, "--preset", "salesforce")

    assert code == 0, out
    converted = Lead.objects.get(external_id="00Q2")
    assert converted.account_id == account.pk
    # Closed - Converted is a qualified status by default: qualified on the conversion day.
    assert leads() == {
        "00Q1": (date(2026, 1, 5), "Web", None, None),
        "00Q2": (date(2026, 1, 6), "Web", date(2026, 2, 3), date(2026, 2, 3)),
        "00Q3": (date(2026, 1, 7), "Partner", None, None),
    }


def test_qualified_statuses_given_replace_the_presets(tmp_path):
    AccountFactory(external_id="001X")

    code, out, _ = run_import(
        tmp_path,
        "leads",
        SALESFORCE_LEADS,
        "--preset",
        "salesforce",
        "--qualified-status",
        "working - contacted",
    )

    assert code == 0, out
    assert dict(Lead.objects.values_list("external_id", "qualified_date")) == {
        "00Q1": date(2026, 1, 5),
        "00Q2": None,
        "00Q3": None,
    }


def test_a_mapped_qualification_date_column_wins_over_the_status(tmp_path):
    content = (
        "Id,CreatedDate,LeadSource,Status,MQL_Date__c\n"
        "00Q1,2026-01-05,Web,Qualified,2026-01-12\n"
        "00Q2,2026-01-05,Web,Qualified,\n"
    )

    code, out, _ = run_import(
        tmp_path, "leads", content, "--preset", "salesforce", "--map", "qualified_date=MQL_Date__c"
    )

    assert code == 0, out
    assert dict(Lead.objects.values_list("external_id", "qualified_date")) == {
        "00Q1": date(2026, 1, 12),
        "00Q2": date(2026, 1, 5),
    }


def test_hubspot_contact_exports_map_create_date_source_and_lifecycle_dates(tmp_path):
    content = (
        "Record ID,First Name,Create Date,Original Source,Lifecycle Stage,"
        "Became a Marketing Qualified Lead Date,Became a Customer Date,Contact owner\n"
        "101,Ana,2026-01-05 09:12,Organic Search,Marketing Qualified Lead,2026-01-08 10:00,,Bo\n"
        "102,Cy,2026-01-06 11:00,Paid Social,Customer,,2026-02-10 08:00,Bo\n"
        "103,Di,2026-01-07 12:00,Direct Traffic,Lead,,,\n"
    )

    code, out, _ = run_import(tmp_path, "leads", content, "--preset", "hubspot")

    assert code == 0, out
    assert Lead.objects.get(external_id="101").owner == "Bo"
    # 102 skipped the MQL stage: its lifecycle stage (customer) qualifies it.
    assert leads() == {
        "101": (date(2026, 1, 5), "Organic Search", date(2026, 1, 8), None),
        "102": (date(2026, 1, 6), "Paid Social", date(2026, 2, 10), date(2026, 2, 10)),
        "103": (date(2026, 1, 7), "Direct Traffic", None, None),
    }


def test_the_email_is_read_from_each_presets_column_and_stored_as_given(tmp_path):
    hubspot = "Record ID,Create Date,Email\n101,2026-01-05,Ana@Example.com \n102,2026-01-06,\n"
    generic = "external_id,created_date,E-mail address\nL1,2026-01-05,bo@example.com\n"

    assert run_import(tmp_path, "leads", hubspot, "--preset", "hubspot")[0] == 0
    assert run_import(tmp_path, "leads", generic, "--map", "email=E-mail address")[0] == 0

    assert dict(Lead.objects.values_list("external_id", "email")) == {
        "101": "Ana@Example.com",  # as the CRM has it: the finding compares without case
        "102": "",
        "L1": "bo@example.com",
    }


def test_an_email_longer_than_the_column_is_a_row_error_with_its_line(tmp_path):
    content = f"external_id,created_date,email\nL1,2026-01-05,{'a' * 250}@example.com\n"

    code, out, err = run_import(tmp_path, "leads", content)

    assert code != 0
    report = out + err
    assert "2" in report and "email" in report and "254" in report
    assert not Lead.objects.exists()


def test_a_stage_map_is_refused_for_leads_and_qualified_statuses_for_opportunities(tmp_path):
    code, _, err = run_import(tmp_path, "leads", HEADER, "--status-from-stage", "Won=won")
    assert code == 1 and "--qualified-status" in err

    code, _, err = run_import(
        tmp_path, "opportunities", "external_id,status,created_date\n", "--qualified-status", "SQL"
    )
    assert code == 1 and "for leads, not opportunities" in err


def test_the_portal_offers_the_leads_kind():
    assert ("leads", "Leads") in ImportJob.Kind.choices


def test_the_portal_imports_leads_with_qualified_statuses(
    client, django_capture_on_commit_callbacks
):
    client.force_login(import_manager())
    content = HEADER + "L1,2026-01-05,Web,,Working,,,\nL2,2026-01-06,Web,,New,,,\n"

    response = client.post(
        reverse("metrics:import_new"),
        upload(content, name="leads.csv", kind="leads", qualified_statuses="working"),
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302, response.content.decode()
    assert job.status_map == {"working": "qualified"}
    assert (
        'qualified statuses <code translate="no">working</code>'
        in client.get(response["Location"]).text
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("metrics:import_detail", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.rows_written) == ("succeeded", 2)
    assert dict(Lead.objects.values_list("external_id", "qualified_date")) == {
        "L1": date(2026, 1, 5),
        "L2": None,
    }


def test_the_portal_refuses_a_stage_map_for_leads(client):
    client.force_login(import_manager())

    response = client.post(
        reverse("metrics:import_new"),
        upload(HEADER, name="leads.csv", kind="leads", status_from_stage="Won=won"),
    )

    assert response.status_code == 400
    assert "Qualified statuses" in response.content.decode()
    assert ImportJob.objects.count() == 0
