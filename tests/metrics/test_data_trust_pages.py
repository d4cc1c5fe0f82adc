"""Freshness across a frozen clock, the Data page, the as-of line and badges on the scorecard and
metric pages, who may check, accept and name owners, who set a target and when."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from metrics import catalog, quality_checks
from metrics.freshness import freshness, record_kinds
from metrics.models import DataFinding, MetricOwner, MetricTarget, QualityCheck, RecordImport
from tests.metrics.dashboard_support import make_persona, stored_run
from tests.metrics.factories import AccountFactory, OpportunityFactory
from tests.portal.query_budgets import assert_within_budget, page_queries

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # the frozen clock


def imported(kind: str, at: datetime, *, by=None, rows=10) -> RecordImport:
    return RecordImport.objects.create(
        kind=kind, rows_written=rows, via="command", imported_by=by, imported_at=at
    )


# --- Freshness, with a frozen clock --------------------------------------------------------------


def test_a_kind_is_stale_once_its_last_import_is_older_than_the_setting(settings):
    settings.METRICS_STALE_AFTER_DAYS = 8
    imported("opportunities", NOW - timedelta(days=20))
    imported("opportunities", NOW - timedelta(days=7, hours=23))  # the latest one counts
    imported("subscriptions", NOW - timedelta(days=8, minutes=1))
    imported("spend", NOW - timedelta(days=8))  # exactly 8 days: not yet

    now = freshness(now=NOW)

    assert not now.kinds["opportunities"].stale
    assert now.kinds["subscriptions"].stale
    assert not now.kinds["spend"].stale
    assert now.kinds["forecasts"].stale  # never imported, and used by forecast accuracy
    assert not now.kinds["teams"].stale  # no metric uses the teams alone
    assert now.kinds["opportunities"].last.imported_at == NOW - timedelta(days=7, hours=23)
    # The same data a day later: opportunities have gone stale too.
    assert freshness(now=NOW + timedelta(days=1)).kinds["opportunities"].stale


def test_a_shorter_setting_makes_the_same_import_stale(settings):
    imported("opportunities", NOW - timedelta(days=3))
    settings.METRICS_STALE_AFTER_DAYS = 2
    assert freshness(now=NOW).kinds["opportunities"].stale


def test_the_figures_that_rest_on_a_stale_kind_are_flagged():
    for kind in ("opportunities", "spend", "forecasts", "accounts"):
        imported(kind, NOW - timedelta(days=1))
    imported("subscriptions", NOW - timedelta(days=30))

    now = freshness(now=NOW)

    assert now.stale_for(catalog.BY_KEY["mrr"]) == ["subscriptions"]
    assert now.stale_for(catalog.BY_KEY["win_rate"]) == []
    assert now.stale_for(catalog.BY_KEY["cac_payback_months"]) == ["subscriptions"]
    stale = now.stale_keys()
    assert {"mrr", "nrr", "ltv_cac"} <= stale
    assert not stale & {"win_rate", "cac", "forecast_accuracy"}


def test_every_metric_names_the_record_kinds_it_uses():
    for definition in catalog.METRICS:
        assert record_kinds(definition), definition.key


def test_an_import_records_its_kind_rows_and_uploader(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name,website\nA1,Acme Inc,acme.com\nA2,Globex,\n")
    call_command("import_crm", "accounts", str(path), stdout=(tmp_path / "out").open("w"))

    entry = RecordImport.objects.get()
    assert (entry.kind, entry.rows_written, entry.via) == ("accounts", 2, "command")
    assert freshness().kinds["accounts"].last == entry


# --- The Data page ---------------------------------------------------------------------------------


@pytest.fixture
def reader(client):
    user = make_persona("reader")
    client.force_login(user)
    return user


def manager_user() -> User:
    return make_persona("manager")


def test_the_data_page_lists_freshness_and_findings(client, reader, settings):
    settings.METRICS_STALE_AFTER_DAYS = 8
    uploader = User.objects.create_user("ada", first_name="Ada", last_name="Lovelace")
    imported("opportunities", timezone.now() - timedelta(days=2), by=uploader, rows=1234)
    imported("subscriptions", timezone.now() - timedelta(days=12))
    OpportunityFactory(external_id="O1", created_date=timezone.localdate(), close_date=timezone.localdate() - timedelta(days=3))  # fmt: skip
    quality_checks.check_now()

    page = client.get(reverse("metrics:data")).content.decode()

    opportunities_row = page.split('data-kind="opportunities"')[1].split("</tr>")[0]
    assert "Ada Lovelace" in opportunities_row and "1234" in opportunities_row
    assert "Fresh" in opportunities_row
    assert "Stale" in page.split('data-kind="subscriptions"')[1].split("</tr>")[0]
    finding = page.split('id="finding-closed_before_created"')[1].split("</article>")[0]
    assert '<span class="count">1</span>' in finding
    assert "/metrics/data/closed_before_created/" in finding
    assert "Check now" not in page  # a reader reads, does not start checks
    assert "Accept with a note" not in page


def test_a_manager_checks_now_and_accepts_a_finding_with_a_note(
    client, django_capture_on_commit_callbacks
):
    manager = manager_user()
    client.force_login(manager)
    OpportunityFactory(external_id="O1", source="")

    assert "Check now" in client.get(reverse("metrics:data")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("metrics:data_check"))
    assert response.status_code == 302
    assert QualityCheck.objects.get().status == "succeeded"
    assert DataFinding.objects.get(code="opportunities_without_source").count == 1

    response = client.post(
        reverse("metrics:finding_accept", args=["opportunities_without_source"]),
        {"note": "Legacy deals from the 2019 migration"},
    )
    assert response.status_code == 302
    finding = DataFinding.objects.get(code="opportunities_without_source")
    assert finding.accepted and not finding.open
    assert (finding.accepted_by, finding.accepted_count) == (manager, 1)
    page = client.get(reverse("metrics:data")).content.decode()
    article = page.split('id="finding-opportunities_without_source"')[0].rsplit("<article", 1)[1]
    assert "accepted" in article  # listed, greyed


def test_an_acceptance_lapses_when_the_count_grows():
    manager = manager_user()
    OpportunityFactory(source="")
    quality_checks.check_now()
    quality_checks.accept_finding(
        code="opportunities_without_source", note="ok", accepted_by=manager
    )
    quality_checks.check_now()
    assert DataFinding.objects.get(code="opportunities_without_source").accepted

    OpportunityFactory(source="")
    quality_checks.check_now()
    finding = DataFinding.objects.get(code="opportunities_without_source")
    assert finding.open and finding.accepted_note == "ok"


def test_a_reader_cannot_accept_and_a_note_is_required(client, reader):
    DataFinding.objects.create(
        code="opportunities_without_source", title="t", explanation="e", count=3
    )
    url = reverse("metrics:finding_accept", args=["opportunities_without_source"])

    assert client.post(url, {"note": "mine"}).status_code == 403
    client.force_login(manager_user())
    client.post(url, {"note": "   "})
    client.post(url, {"note": "x" * 2001})
    assert DataFinding.objects.get().accepted_count is None


# --- The scorecard, the metric pages: as-of line, badges, owners -----------------------------------


def test_the_scorecard_shows_the_as_of_line_stale_flags_and_owners(client, reader, settings):
    settings.METRICS_STALE_AFTER_DAYS = 8
    stored_run(months=3)
    imported("subscriptions", timezone.now() - timedelta(days=30))
    imported("opportunities", timezone.now() - timedelta(hours=1), by=reader)
    MetricOwner.objects.create(key="arr", owner=User.objects.create_user("cfo", "cfo@example.com", first_name="Carla", last_name="Finance"))  # fmt: skip

    page = client.get(reverse("metrics:scorecard")).content.decode()

    assert 'class="muted data-as-of"' in page
    assert f'href="{reverse("metrics:data")}"' in page
    assert "Stale: " in page and "subscriptions" in page.split("data-as-of")[1].split("</p>")[0]
    arr_card = page.split('data-key="arr"')[1].split("</li>")[0]
    assert 'href="mailto:cfo@example.com" translate="no">Carla Finance</a>' in arr_card
    assert ">Stale<" in arr_card
    win_rate_card = page.split('data-key="win_rate"')[1].split("</li>")[0]
    assert ">Stale<" not in win_rate_card and "No owner" in win_rate_card


def test_a_metric_page_shows_its_open_findings_owner_and_who_set_the_target(client, reader):
    stored_run(months=3)
    OpportunityFactory(created_date=timezone.localdate(), close_date=timezone.localdate() - timedelta(days=1))  # fmt: skip
    AccountFactory(name="Acme Inc")
    AccountFactory(name="ACME, Inc.")
    quality_checks.check_now()
    setter = User.objects.create_user("vp", first_name="Vera", last_name="Sales")
    MetricTarget.objects.create(key="sales_cycle_days", value=30, direction="lower", set_by=setter, set_at=timezone.now())  # fmt: skip

    page = client.get(reverse("metrics:metric", args=["sales_cycle_days"])).content.decode()

    trust = page.split('id="definition-owner"')[1].split("</section>")[0]
    assert "/metrics/data/closed_before_created/" in trust  # the badge of the finding it touches
    assert "duplicate_account_names" not in trust  # one it does not touch
    assert 'by <span translate="no">Vera Sales</span> on' in trust
    assert "Nobody yet" in trust
    assert "Save owner" not in trust  # readers do not name owners


def test_a_manager_names_a_metrics_owner_on_its_page_and_a_reader_cannot(client):
    owner = User.objects.create_user("cfo")
    client.force_login(make_persona("reader"))
    url = reverse("metrics:metric_owner", args=["arr"])
    assert client.post(url, {"owner": owner.pk}).status_code == 403
    assert not MetricOwner.objects.exists()

    manager = manager_user()
    client.force_login(manager)
    assert "Save owner" in client.get(reverse("metrics:metric", args=["arr"])).content.decode()
    assert client.post(url, {"owner": owner.pk}).status_code == 302
    stored = MetricOwner.objects.get(key="arr")
    assert (stored.owner, stored.set_by) == (owner, manager)
    client.post(url, {"owner": "999999"})  # no such user: nothing changes
    assert MetricOwner.objects.get(key="arr").owner == owner
    client.post(url, {"owner": ""})
    assert not MetricOwner.objects.exists()


def test_the_admin_records_who_set_a_target_and_names_owners(client):
    superuser = User.objects.create_superuser("boss", "boss@example.com", "x" * 16)
    client.force_login(superuser)
    client.post(
        reverse("admin:metrics_metrictarget_add"),
        {
            "key": "win_rate",
            "cut_kind": "all",
            "cut_value": "",
            "period_kind": "",
            "value": "0.3",
            "direction": "higher",
            "amber_band": "0",
        },
    )
    target = MetricTarget.objects.get()
    assert target.set_by == superuser and target.set_at is not None
    client.post(
        reverse("admin:metrics_metricowner_add"), {"key": "win_rate", "owner": superuser.pk}
    )
    assert MetricOwner.objects.get().set_by == superuser


def test_a_staff_reader_cannot_name_owners_in_the_admin(client):
    reader = User.objects.create_user("staff", is_staff=True)
    reader.user_permissions.add(*Permission.objects.filter(codename__endswith="metricowner"))
    client.force_login(reader)
    assert client.get(reverse("admin:metrics_metricowner_changelist")).status_code == 403


# --- Query budgets of the new pages ----------------------------------------------------------------

DATA_PAGES = [
    "/metrics/data/",
    "/metrics/data/duplicate_account_names/",
    "/metrics/data/closed_before_created/?after=",
]


def _offending_records(count):
    from metrics.models import Account, Opportunity

    Opportunity.objects.all().delete()
    Account.objects.all().delete()
    accounts = Account.objects.bulk_create(
        Account(external_id=f"A{n}", name=f"Acme {n % (count // 2)} Inc") for n in range(count)
    )
    Opportunity.objects.bulk_create(
        Opportunity(external_id=f"O{n}", account=a, status="won", created_date=NOW.date(),
                    close_date=NOW.date() - timedelta(days=1 + n % 30))
        for n, a in enumerate(accounts)
    )  # fmt: skip
    quality_checks.check_now()
    for kind in ("opportunities", "accounts"):
        imported(kind, timezone.now())


@pytest.mark.parametrize("url", DATA_PAGES)
def test_data_pages_issue_the_same_queries_at_10_and_at_1000_records(client, reader, url):
    def measured():
        target = url
        if url.endswith("?after="):
            from metrics.models import Opportunity

            target += str(Opportunity.objects.order_by("close_date", "pk")[4].pk)
        return page_queries(client, target)

    _offending_records(10)
    small = measured()
    _offending_records(1000)
    large = measured()
    assert small == large
    assert_within_budget(url, large)


def test_a_portal_import_is_recorded_and_its_result_page_summarises_the_findings(
    client, django_capture_on_commit_callbacks
):
    from metrics.models import ImportJob
    from tests.metrics.test_import_views import import_manager, upload

    manager = import_manager()
    client.force_login(manager)
    content = 'external_id,name,segment\nA1,Acme Inc,SMB\nA2,"ACME, Inc.",SMB\nA3,Acme Health,\n'
    client.post(reverse("metrics:import_new"), upload(content))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("metrics:import_detail", args=[job.pk]))

    entry = RecordImport.objects.get()
    assert (entry.kind, entry.rows_written, entry.via) == ("accounts", 3, "portal")
    assert (entry.job_id, entry.imported_by) == (job.pk, manager)
    assert QualityCheck.objects.get().trigger == "import"
    page = client.get(reverse("metrics:import_detail", args=[job.pk])).content.decode()
    summary = page.split("Data quality after this import")[1].split("</section>")[0]
    assert "2 · Accounts with the same name" in summary
    assert "1 · Accounts without a segment" in summary
    assert "Accounts with the same website domain" not in summary  # nothing found: not listed
