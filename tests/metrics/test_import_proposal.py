"""A mapping proposal for a file whose header matches no preset; saved presets by name."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metrics.importing.decoding import read_table
from metrics.importing.proposal import as_mapping, propose
from metrics.models import ImportJob, ImportPreset, Opportunity
from tests.metrics.factories import AccountFactory
from tests.metrics.test_import_command import run_import
from tests.metrics.test_import_views import import_manager, other_import_manager, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _accounts():
    """The accounts the files name (found by their names)."""
    for number, name in enumerate(("Acme", "Beta", "Gamma")):
        AccountFactory(external_id=f"00{number}", name=name)


RENAMED = (
    "Deal Number,Customer,Rep,Deal Value,Pipeline Phase,Outcome,Opened On,Closed On,Channel,Notes\n"
    'D-1,Acme,Ann,"$1,200.00",Closed Won,won,01/02/24,02/03/24,Web,first\n'
    "D-2,Beta,Bob,500,Negotiation,open,01/05/24,,Partner,\n"
    "D-3,Acme,Ann,750.50,Closed Lost,lost,01/09/24,03/15/24,Web,lost on price\n"
    "D-4,Gamma,Cy,99,Closed Won,won,02/11/24,02/28/24,Event,\n"
)
EXPECTED = {
    "external_id": "Deal Number",
    "account": "Customer",
    "owner": "Rep",
    "amount": "Deal Value",
    "stage": "Pipeline Phase",
    "status": "Outcome",
    "created_date": "Opened On",
    "close_date": "Closed On",
    "source": "Channel",
}


def test_it_proposes_the_right_column_for_each_field_of_a_renamed_header():
    proposal = propose(read_table(RENAMED.encode()), "opportunities")

    assert as_mapping(proposal) == EXPECTED
    by_field = {p.field: p for p in proposal}
    assert {f for f, p in by_field.items() if p.required} == {
        "external_id",
        "created_date",
        "status",
    }
    assert by_field["created_date"].confidence == "high"
    assert "100% dates" in by_field["created_date"].why
    assert by_field["name"].column is None  # "Notes" is like no field: not proposed


def test_values_decide_between_columns_whose_names_say_little():
    content = "col1,col2,col3\nX-1,2024-01-05,won\nX-2,2024-02-07,lost\n"

    proposal = as_mapping(propose(read_table(content.encode()), "opportunities"))

    assert proposal["status"] == "col3"
    assert proposal["created_date"] == "col2"


def test_a_dry_run_prints_the_proposal_and_the_options_to_use_it(tmp_path):
    code, out, err = run_import(tmp_path, "opportunities", RENAMED, "--dry-run")

    assert code == 1
    assert "Missing required column(s) for opportunities" in err
    assert "Proposed mapping" in out
    assert re.search(r"\* external_id = Deal Number  \(high, [01]\.\d\d: ", out)
    assert "  name: no column proposed" in out
    options = out.split("To use it: ", 1)[1].strip()
    args = [a.strip('"') for a in re.findall(r'--map "[^"]+"', options)]

    code, out, err = run_import(
        tmp_path, "opportunities", RENAMED, *[a.replace('--map "', "--map=") for a in args]
    )

    assert code == 0, err
    assert Opportunity.objects.count() == 4


def confirm_mapping(client, job, mapping, save_as=""):
    data = {"mapping_form": "1", "save_as": save_as}
    data.update({f"map_{field}": column for field, column in mapping.items()})
    return client.post(reverse("metrics:import_options", args=[job.pk]), data)


def test_the_portal_proposes_the_user_confirms_saves_and_the_cli_uses_the_preset(
    client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(import_manager())
    response = client.post(reverse("metrics:import_new"), upload(RENAMED, kind="opportunities"))
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()

    assert (job.status, job.rows_total, job.rows_invalid) == ("pending", 4, 4)
    assert "Missing required column(s)" in page
    assert '<option value="Deal Number" selected>Deal Number</option>' in page
    assert "Start import" not in page

    mapping = {**EXPECTED, "name": "Notes"}  # the user changes one: the notes name the deal
    response = confirm_mapping(client, job, mapping, save_as="Deals Export")
    page = client.get(response["Location"]).content.decode()

    job.refresh_from_db()
    assert (job.rows_invalid, job.mapping) == (0, mapping)
    assert "Start import" in page
    assert "Saved as the preset “deals-export”: import_crm opportunities FILE" in page
    preset = ImportPreset.objects.get()
    assert (preset.name, preset.kind, preset.mapping) == ("deals-export", "opportunities", mapping)

    changed = RENAMED.replace("D-4,Gamma,Cy,99,", "D-4,Gamma,Cy,199,")
    code, out, err = run_import(tmp_path, "opportunities", changed, "--preset", "deals-export")

    assert code == 0, err
    rows = {o.external_id: o for o in Opportunity.objects.all()}
    assert {k: o.status for k, o in rows.items()} == {
        "D-1": "won",
        "D-2": "open",
        "D-3": "lost",
        "D-4": "won",
    }
    assert (rows["D-1"].name, rows["D-1"].owner, rows["D-1"].amount) == (
        "first",
        "Ann",
        Decimal("1200.00"),
    )
    assert rows["D-4"].amount == Decimal("199.00")
    assert rows["D-3"].close_date == date(2024, 3, 15)


def test_a_mapping_to_a_column_the_file_lacks_is_reported_and_changes_nothing(
    client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(import_manager())
    client.post(reverse("metrics:import_new"), upload(RENAMED, kind="opportunities"))
    job = ImportJob.objects.get()

    response = confirm_mapping(client, job, {**EXPECTED, "owner": "Nope"}, save_as="x")
    page = client.get(response["Location"]).content.decode()

    job.refresh_from_db()
    assert "Mapped column(s) not in the file: owner=Nope" in page
    assert (job.mapping, job.rows_invalid) == ({}, 4)
    assert not ImportPreset.objects.exists()


@pytest.mark.parametrize(
    "preset, message",
    [
        ("nosuch", "Unknown preset “nosuch”: use one of generic, salesforce, hubspot, accts."),
        ("accts", "The preset “accts” is for accounts, not opportunities."),
    ],
)
def test_an_unknown_or_other_kinds_preset_is_refused(tmp_path, preset, message):
    ImportPreset.objects.create(name="accts", kind="accounts", mapping={"external_id": "Id"})

    code, _, err = run_import(tmp_path, "opportunities", RENAMED, "--preset", preset)

    assert code == 1
    assert message in err


def test_a_saved_preset_cannot_take_a_built_in_name(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(import_manager())
    client.post(
        reverse("metrics:import_new"),
        {
            "kind": "opportunities",
            "preset": "generic",
            "mapping": "",
            "status_from_stage": "",
            "file": SimpleUploadedFile("r.csv", RENAMED.encode(), content_type="text/csv"),
        },
    )
    job = ImportJob.objects.get()

    response = confirm_mapping(client, job, EXPECTED, save_as="Salesforce")

    assert "cannot name a preset" in client.get(response["Location"]).content.decode()
    assert not ImportPreset.objects.exists()


def test_the_upload_form_offers_saved_presets(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ImportPreset.objects.create(name="deals", kind="opportunities", mapping=EXPECTED)
    client.force_login(import_manager())

    assert "Saved: deals" in client.get(reverse("metrics:import_new")).content.decode()
    refused = client.post(reverse("metrics:import_new"), upload(RENAMED, preset="deals"))
    response = client.post(
        reverse("metrics:import_new"), upload(RENAMED, kind="opportunities", preset="deals")
    )

    assert refused.status_code == 400
    assert "The preset “deals” is for opportunities, not accounts." in refused.content.decode()
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.preset, job.mapping, job.rows_invalid) == ("generic", EXPECTED, 0)


def test_another_manager_cannot_change_or_save_the_uploaders_mapping(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(import_manager())
    client.post(reverse("metrics:import_new"), upload(RENAMED, kind="opportunities"))
    job = ImportJob.objects.get()
    client.force_login(other_import_manager())

    response = confirm_mapping(client, job, EXPECTED, save_as="theirs")

    assert response.status_code == 403
    job.refresh_from_db()
    assert (job.mapping, job.rows_invalid) == ({}, 4)
    assert not ImportPreset.objects.exists()


def test_saved_presets_are_listed_in_the_admin_and_not_edited_there(admin_client):
    preset = ImportPreset.objects.create(name="deals", kind="opportunities", mapping=EXPECTED)

    listing = admin_client.get(reverse("admin:metrics_importpreset_changelist"))
    add = admin_client.get(reverse("admin:metrics_importpreset_add"))
    deleted = admin_client.post(
        reverse("admin:metrics_importpreset_delete", args=[preset.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200 and "deals" in listing.content.decode()
    assert add.status_code == 403
    assert deleted.status_code == 302
    assert not ImportPreset.objects.exists()
