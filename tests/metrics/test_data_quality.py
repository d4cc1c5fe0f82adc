"""Data-quality findings (metrics/quality.py): each on hand-made records, positives beside
near-misses; counts equal to the drill-down's rows; the check's query count independent of the
number of records; the Salesforce sample's findings; the check after every import."""

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import quality, quality_checks
from metrics.models import Account, DataFinding, Lead, Opportunity, QualityCheck, Subscription
from tests.metrics.factories import AccountFactory, OpportunityFactory, SubscriptionFactory
from tests.portal.query_budgets import assert_within_budget

TODAY = date(2026, 11, 15)
SALESFORCE = Path("/work/shared/datasets/salesforce_sample")

pytestmark = pytest.mark.django_db


def found(code: str) -> set[str]:
    """The external ids the finding lists today."""
    kind = quality.by_code(code)
    return set(kind.queryset(TODAY).values_list("external_id", flat=True))


# --- Each finding: positives and near-misses ------------------------------------------------------


def test_accounts_whose_names_normalise_alike_are_probable_duplicates():
    AccountFactory(external_id="A1", name="Acme Inc")
    AccountFactory(external_id="A2", name="ACME, Inc.")
    AccountFactory(external_id="A3", name="Acme Health")  # near-miss: another company
    AccountFactory(external_id="A4", name="Globex GmbH")
    AccountFactory(external_id="A5", name="Initech")
    AccountFactory(external_id="A6", name="Initech Ltd.")

    assert found("duplicate_account_names") == {"A1", "A2", "A5", "A6"}


def test_accounts_sharing_a_website_domain_are_probable_duplicates():
    AccountFactory(external_id="A1", name="Acme", website="https://www.acme.com/")
    AccountFactory(external_id="A2", name="Acme Health", website="acme.com")
    AccountFactory(external_id="A3", name="Acme Labs", website="acmelabs.com")  # near-miss
    AccountFactory(external_id="A4", name="No site", website="")
    AccountFactory(external_id="A5", name="No site either", website="")  # blank: no match

    assert found("duplicate_account_domains") == {"A1", "A2"}


def test_opportunities_closed_before_they_were_created():
    OpportunityFactory(
        external_id="O1", created_date=date(2026, 5, 10), close_date=date(2026, 5, 1)
    )
    OpportunityFactory(
        external_id="O2", status="lost", created_date=date(2026, 5, 10), close_date=date(2026, 5, 9)
    )
    OpportunityFactory(external_id="O3", created_date=date(2026, 5, 1), close_date=date(2026, 5, 1))
    OpportunityFactory(external_id="O4", status="open", created_date=date(2026, 5, 1))

    assert found("closed_before_created") == {"O1", "O2"}


def test_subscriptions_that_end_the_day_they_start():
    SubscriptionFactory(external_id="S1", start_date=date(2026, 1, 1), end_date=date(2026, 1, 1))
    SubscriptionFactory(external_id="S2", start_date=date(2026, 1, 1), end_date=date(2026, 1, 2))
    SubscriptionFactory(external_id="S3", start_date=date(2026, 1, 1), end_date=None)

    assert found("subscriptions_without_service") == {"S1"}


def test_won_opportunities_without_an_amount_or_an_account():
    OpportunityFactory(external_id="O1", amount=None)
    OpportunityFactory(external_id="O2", status="lost", amount=None)  # near-miss: lost
    OpportunityFactory(external_id="O3", status="open", amount=None)  # near-miss: open
    OpportunityFactory(external_id="O4", account=None)
    OpportunityFactory(external_id="O5", status="open", account=None)  # near-miss: open

    assert found("won_without_amount") == {"O1"}
    assert found("won_without_account") == {"O4"}


def test_open_opportunities_past_their_close_date():
    OpportunityFactory(external_id="O1", status="open", close_date=TODAY - timedelta(days=1))
    OpportunityFactory(external_id="O2", status="open", close_date=TODAY)  # due today: not yet
    OpportunityFactory(external_id="O3", status="open", close_date=None)
    OpportunityFactory(external_id="O4", status="won", close_date=TODAY - timedelta(days=30))

    assert found("open_past_close_date") == {"O1"}


def test_opportunities_without_a_source_and_accounts_without_a_segment():
    OpportunityFactory(external_id="O1", source="")
    OpportunityFactory(external_id="O2", source="Web", account__external_id="A2")
    AccountFactory(external_id="A1", segment="")

    assert found("opportunities_without_source") == {"O1"}
    assert found("accounts_without_segment") == {"A1"}


def test_won_new_business_whose_account_has_no_subscription_within_the_set_days(settings):
    settings.METRICS_SUBSCRIPTION_WITHIN_DAYS = 30
    closed = TODAY - timedelta(days=60)
    billed = AccountFactory(external_id="A1")
    OpportunityFactory(external_id="O1", account=billed, close_date=closed)
    SubscriptionFactory(account=billed, start_date=closed + timedelta(days=20))  # within 30 days
    late = AccountFactory(external_id="A2")
    OpportunityFactory(external_id="O2", account=late, close_date=closed)
    SubscriptionFactory(account=late, start_date=closed + timedelta(days=45))  # too late
    OpportunityFactory(external_id="O3", close_date=closed)  # no subscription at all
    OpportunityFactory(external_id="O4", close_date=TODAY - timedelta(days=10))  # not due yet
    OpportunityFactory(external_id="O5", close_date=closed, type="expansion")  # not new business
    ended = AccountFactory(external_id="A6")
    OpportunityFactory(external_id="O6", account=ended, close_date=closed)
    SubscriptionFactory(
        account=ended, start_date=closed - timedelta(days=400), end_date=closed - timedelta(days=5)
    )  # ended before the deal

    assert found("won_without_subscription") == {"O2", "O3", "O6"}


def test_no_subscription_finding_before_subscriptions_are_imported():
    OpportunityFactory(external_id="O1", close_date=TODAY - timedelta(days=90))

    assert found("won_without_subscription") == set()


def test_subscriptions_of_accounts_never_won():
    won = AccountFactory(external_id="A1")
    OpportunityFactory(account=won)
    SubscriptionFactory(external_id="S1", account=won)
    lost = AccountFactory(external_id="A2")
    OpportunityFactory(account=lost, status="lost")
    SubscriptionFactory(external_id="S2", account=lost)
    SubscriptionFactory(external_id="S3")  # an account with no deal at all

    assert found("subscriptions_never_won") == {"S2", "S3"}


def _lead(external_id, email="", **fields):
    fields.setdefault("created_date", date(2026, 3, 1))
    return Lead.objects.create(external_id=external_id, email=email, **fields)


def test_leads_whose_emails_match_without_case_and_spaces_are_probable_duplicates():
    _lead("L1", "Ann@Example.com")
    _lead("L2", "  ann@example.com ")
    _lead("L3", "ann@example.org")  # near-miss: another domain
    _lead("L4", "ann.b@example.com")  # near-miss: another person
    _lead("L5", "")
    _lead("L6", "")  # blank e-mails are no match
    _lead("L7", "bo@example.com")
    _lead("L8", "BO@EXAMPLE.COM")
    _lead("L9", "BO@EXAMPLE.COM")

    assert found("duplicate_leads_by_email") == {"L1", "L2", "L7", "L8", "L9"}
    results = {r.kind.code: r for r in quality.evaluate(today=TODAY)}
    assert results["duplicate_leads_by_email"].impact == (
        "5 leads in 2 groups: each group may be one person counted 3 times too many in "
        "leads created."
    )


def test_converted_leads_without_an_account():
    account = AccountFactory(external_id="A1")
    _lead("L1", converted_date=date(2026, 3, 5))  # converted, no account
    _lead("L2", converted_date=date(2026, 3, 5), account=account)  # near-miss: has its account
    _lead("L3")  # near-miss: not converted
    deleted = AccountFactory(external_id="A2")
    _lead("L4", converted_date=date(2026, 3, 9), account=deleted)
    deleted.delete()  # the account it became is gone: the lead keeps its conversion

    assert found("converted_leads_without_account") == {"L1", "L4"}
    results = {r.kind.code: r for r in quality.evaluate(today=TODAY)}
    assert results["converted_leads_without_account"].impact.startswith(
        "2 of 3 converted leads (67 %) lead to no customer"
    )


def test_a_findings_impact_says_how_much_of_a_metric_it_touches():
    in_q3 = date(2026, 8, 10)
    for number in range(4):
        OpportunityFactory(close_date=in_q3, source="" if number == 0 else "Web")

    results = {r.kind.code: r for r in quality.evaluate(today=TODAY)}

    without_source = results["opportunities_without_source"]
    assert without_source.count == 1
    assert without_source.impact == (
        "25 % of new customers in Q3 2026 (1 of 4) are not in any channel."
    )
    assert results["won_without_amount"].impact == ""  # nothing found, nothing said


# --- A hand-made set with every finding: the stored counts are the drill-downs' rows -------------


@pytest.fixture
def every_finding():
    closed = TODAY - timedelta(days=60)
    acme = AccountFactory(external_id="A1", name="Acme Inc", website="acme.com", segment="")
    AccountFactory(external_id="A2", name="ACME, Inc.", website="https://www.acme.com")
    OpportunityFactory(
        external_id="O1", account=acme, created_date=closed, close_date=closed - timedelta(days=3)
    )
    OpportunityFactory(external_id="O2", account=acme, amount=None, source="", close_date=closed)
    OpportunityFactory(external_id="O3", account=None, close_date=closed)
    OpportunityFactory(external_id="O4", status="open", close_date=TODAY - timedelta(days=2))
    SubscriptionFactory(external_id="S1", start_date=closed, end_date=closed)
    SubscriptionFactory(external_id="S2", start_date=closed)  # fmt: skip
    _lead("L1", "ann@example.com")
    _lead("L2", "ANN@example.com", converted_date=closed)


def _csv_ids(client, code) -> list[str]:
    response = client.get(f"/metrics/data/{code}.csv")
    assert response.status_code == 200
    lines = list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))
    return [line[0] for line in lines[1:]]


def test_every_stored_count_equals_its_drill_down_and_csv_rows(
    client, every_finding, django_user_model
):
    client.force_login(django_user_model.objects.create_user("reader"))
    quality_checks.check_now()

    stored = {f.code: f for f in DataFinding.objects.all()}
    assert set(stored) == {kind.code for kind in quality.FINDINGS}
    assert sum(1 for f in stored.values() if f.count) >= 11  # this set shows nearly every kind
    for code, finding in stored.items():
        page = client.get(f"/metrics/data/{code}/")
        assert page.status_code == 200
        assert len(page.context["rows"]) == finding.count, code
        assert len(_csv_ids(client, code)) == finding.count, code


def test_the_drill_down_pages_by_keyset_through_every_record(
    client, monkeypatch, django_user_model
):
    monkeypatch.setattr("metrics.data_views.FINDING_ROWS_PER_PAGE", 3)
    client.force_login(django_user_model.objects.create_user("reader"))
    for number in range(8):
        AccountFactory(external_id=f"A{number}", name=f"Acme {'Inc' if number % 2 else 'Ltd'}")
    AccountFactory(external_id="B1", name="Globex")

    listed, after = [], ""
    for _ in range(10):
        response = client.get(f"/metrics/data/duplicate_account_names/?after={after}")
        listed += [row[0] for row in response.context["rows"]]
        after = response.context["next_after"]
        if after is None:
            break
    assert sorted(listed) == sorted(_csv_ids(client, "duplicate_account_names"))
    assert len(listed) == len(set(listed)) == 8


@pytest.mark.parametrize("after", ["abc", "-1", "9" * 30, "123456"])
def test_a_bad_or_unknown_cursor_answers_400(client, after, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))
    assert client.get(f"/metrics/data/closed_before_created/?after={after}").status_code == 400


def test_an_unknown_finding_is_404(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))
    assert client.get("/metrics/data/no_such_finding/").status_code == 404
    assert client.get("/metrics/data/no_such_finding.csv").status_code == 404


# --- The check's cost does not grow with the records ---------------------------------------------


def _problem_records(count):
    Opportunity.objects.all().delete()
    Subscription.objects.all().delete()
    Account.objects.all().delete()
    accounts = Account.objects.bulk_create(
        Account(external_id=f"A{n}", name=f"Acme {n % (count // 2)} Inc" if n % 3 else f"Co {n}",
                website=f"site{n % 5}.com", segment="" if n % 4 else "SMB")
        for n in range(count)
    )  # fmt: skip
    Opportunity.objects.bulk_create(
        Opportunity(external_id=f"O{n}", account=a if n % 5 else None,
                    status=("won", "lost", "open")[n % 3], amount=None if n % 7 else Decimal("9"),
                    created_date=date(2026, 3, 1), source="" if n % 2 else "Web",
                    close_date=None if n % 3 == 2 and n % 4 else date(2026, 2 + n % 9, 1))
        for n, a in enumerate(accounts)
    )  # fmt: skip
    Subscription.objects.bulk_create(
        Subscription(external_id=f"S{n}", account=a, mrr=Decimal("10"),
                     start_date=date(2026, 4, 1), end_date=date(2026, 4, 1) if n % 6 == 0 else None)
        for n, a in enumerate(accounts) if n % 2
    )  # fmt: skip
    Lead.objects.all().delete()
    Lead.objects.bulk_create(
        Lead(external_id=f"L{n}", email=f"person{n % (count // 2)}@x.com" if n % 3 else f"p{n}@x.com",
             created_date=date(2026, 3, 1), converted_date=date(2026, 3, 9) if n % 2 else None,
             account=a if n % 4 == 1 else None)
        for n, a in enumerate(accounts)
    )  # fmt: skip


def _check_queries() -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        results = quality.evaluate(today=TODAY)
    return len(captured.captured_queries), {r.kind.code: r.count for r in results}


def test_the_check_issues_the_same_queries_for_10_and_for_400_records_of_each_problem():
    _problem_records(10)
    small, small_counts = _check_queries()
    _problem_records(400)
    large, large_counts = _check_queries()

    assert all(
        large_counts[code] > small_counts[code] for code in large_counts if small_counts[code]
    )
    assert sum(1 for count in small_counts.values() if count) >= 11
    assert (
        small_counts["duplicate_leads_by_email"] and small_counts["converted_leads_without_account"]
    )
    assert small == large
    assert_within_budget("quality.evaluate", large)


# --- After every import, and the Salesforce sample -------------------------------------------------


def _salesforce_expected() -> dict[str, int]:
    """Read the sample by eye, as a person would: what the findings must say."""
    with open(SALESFORCE / "Opportunity.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    closed_before_created = sum(1 for r in rows if r["CloseDate"] < r["CreatedDate"][:10])
    open_past = sum(
        1 for r in rows if not r["IsClosed"] and r["CloseDate"] < date.today().isoformat()
    )
    return {
        "closed_before_created": closed_before_created,
        "opportunities_without_source": sum(1 for r in rows if not r["LeadSource"].strip()),
        "open_past_close_date": open_past,
        "accounts_without_segment": 22,  # a Salesforce account export has no segment column
        "duplicate_account_names": 0,
        "duplicate_account_domains": 0,
        "won_without_amount": 0,
        "won_without_account": 0,
        # Lead.csv: 60 leads, each e-mail once, none converted.
        "duplicate_leads_by_email": 0,
        "converted_leads_without_account": 0,
    }


def test_importing_the_salesforce_sample_runs_the_check_and_finds_what_it_should(
    tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_crm", "accounts", str(SALESFORCE / "Account.csv"), "--preset", "salesforce", stdout=tmp_path.joinpath("o").open("w"))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_crm", "opportunities", str(SALESFORCE / "Opportunity.csv"), "--preset", "salesforce", stdout=tmp_path.joinpath("o").open("w"))  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_crm", "leads", str(SALESFORCE / "Lead.csv"), "--preset", "salesforce", stdout=tmp_path.joinpath("o").open("w"))  # fmt: skip

    checks = list(QualityCheck.objects.order_by("pk").values_list("trigger", "status"))
    assert checks == [("import", "succeeded")] * 3
    assert Lead.objects.exclude(email="").count() == 60
    counts = dict(DataFinding.objects.values_list("code", "count"))
    expected = _salesforce_expected()
    assert expected["closed_before_created"] == 19  # the migration-style deals are there
    assert {code: counts[code] for code in expected} == expected
    closed_early = DataFinding.objects.get(code="closed_before_created")
    assert closed_early.impact.startswith("12 of them won")
    assert "sales_cycle_days" in closed_early.metric_keys


def test_a_dry_run_neither_records_an_import_nor_queues_a_check(
    tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_crm", "accounts", str(SALESFORCE / "Account.csv"), "--preset", "salesforce", "--dry-run", stdout=tmp_path.joinpath("o").open("w"))  # fmt: skip
    assert not QualityCheck.objects.exists()


def test_a_check_requested_while_one_waits_shares_it():
    first = quality_checks.request_check(trigger="import")  # on_commit never runs in this test
    second = quality_checks.request_check(trigger="manual")
    assert first.pk == second.pk
    assert QualityCheck.objects.count() == 1


def test_the_command_runs_a_check_and_prints_the_findings():
    from io import StringIO

    OpportunityFactory(source="")
    out = StringIO()
    call_command("check_data_quality", stdout=out)

    assert "       1  Opportunities without a source" in out.getvalue()
    assert QualityCheck.objects.get().trigger == "command"


def test_every_finding_is_a_complete_definition():
    """The table: unique codes, metrics the catalog knows, a drill-down order ending in pk."""
    from metrics import catalog

    codes = [kind.code for kind in quality.FINDINGS]
    assert len(codes) == len(set(codes)) == 13
    for kind in quality.FINDINGS:
        assert kind.title and kind.explanation and kind.columns, kind.code
        assert set(kind.metric_keys) <= set(catalog.BY_KEY), kind.code
        assert kind.order[-1] == "pk", kind.code
        assert quality.by_code(kind.code) is kind


def test_the_duplicate_leads_drill_down_pages_by_the_compared_email(
    client, monkeypatch, django_user_model
):
    monkeypatch.setattr("metrics.data_views.FINDING_ROWS_PER_PAGE", 2)
    client.force_login(django_user_model.objects.create_user("reader"))
    for number, email in enumerate(["B@x.com", "a@x.com", " b@X.com", "A@X.COM ", "c@x.com"]):
        _lead(f"L{number}", email)

    listed, after = [], ""
    for _ in range(5):
        response = client.get(f"/metrics/data/duplicate_leads_by_email/?after={after}")
        assert response.status_code == 200
        listed += [row[0] for row in response.context["rows"]]
        after = response.context["next_after"]
        if after is None:
            break
    assert listed == ["L1", "L3", "L0", "L2"]  # a@x.com's, then b@x.com's, each by id
    assert _csv_ids(client, "duplicate_leads_by_email") == listed
