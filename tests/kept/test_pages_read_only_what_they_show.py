"""Each kept page depends only on the tables it can show or whose rows decide its reader's
rights (revops_portal/kept/changes.py `Reads`), and on a reader's own visits, watches and
readings only where it shows them: for every kept page and every watched table, a write of that
table makes the page again (more than the kept request's queries) when the page reads it, and
leaves it kept (the session, the user, the counter: 3 queries) when it does not; another
reader's rows leave it kept, the reader's own make it again. The writes are raw SQL touching
one table each (`UPDATE t SET c = c`: the triggers fire whatever the values), so nothing but
that table's marker moves. On SQLite and, in bin/test's PostgreSQL pass, on PostgreSQL."""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from metrics.freshness import record_import
from metrics.models import DataFinding, MetricOwner, MetricRun, MetricTarget, Team
from playbook import flags
from playbook.models import Asset, AssetTag, MetricLink, Reading, Section, SectionVisit, Watch
from revops_portal.kept import changes
from tests.metrics.dashboard_support import stored_run
from tests.metrics.factories import (
    ForecastFactory,
    LeadFactory,
    MetricRunFactory,
    OpportunityFactory,
    SpendFactory,
)

pytestmark = pytest.mark.django_db

KEPT_QUERIES = 3  # tests/portal/query_budgets.py: the session, the user, the counter

WATCHED = [
    table
    for number in (
        "0001_change_markers",
        "0002_readers_rights_assets_runs",
        "0003_records_and_permissions",
        "0006_subscriptions",
    )  # fmt: skip
    for table in importlib.import_module(f"revops_portal.kept.migrations.{number}").WATCHED
]

PAGES = {
    "contents": ("/playbook/", changes.CONTENTS),
    "a section without figures": ("/playbook/target-audience/", changes.SECTION_PAGE),
    "a section with figures": ("/playbook/success-metrics/", changes.SECTION_PAGE),
    "the scorecard": ("/metrics/", changes.DASHBOARDS),
    "a metric's page": ("/metrics/win_rate/", changes.DASHBOARDS),
    "a drill-down": ("/metrics/win_rate/records/?period=2017-06", changes.DRILLDOWNS),
}


def _touch(table: str, *, reader: User | None = None) -> None:
    """A write of `table` alone (of `reader`'s rows only, for a reader's own table)."""
    column = "first_name" if table == "auth_user" else "id"  # auth_user: its watched columns
    sql = f"UPDATE {table} SET {column} = {column}"  # noqa: S608 - the tables are ours
    params = []
    if reader is not None:
        sql += f" WHERE {changes.READERS_OWN[table]} = %s"
        params = [reader.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def company():
    """A row in every watched table (SQLite's triggers fire per row), the reader's own visit,
    watch and reading and another reader's: (reader, other)."""
    stored_run(months=12)
    reader, other = User.objects.create_user("reader"), User.objects.create_user("other")
    section = Section.objects.select_related("current_revision").get(slug="target-audience")
    for someone in (reader, other):
        SectionVisit.objects.create(section=section, user=someone, revision_number=1)
        Watch.objects.create(section=section, user=someone)
        Reading.objects.create(section=section, user=someone, revision=section.current_revision)
    flags.raise_flag(section=section, user=other, comment="Outdated")
    MetricLink.objects.create(section=section, metric_key="win_rate")
    MetricOwner.objects.create(key="arr", owner=other)
    DataFinding.objects.create(code="closed_before_created", title="t", count=1)
    MetricTarget.objects.create(key="arr", value=1, direction="higher")
    record_import(kind="accounts", rows_written=1, via="test")
    group = Group.objects.create(name="Others")
    other.groups.add(group)
    assign_perm("playbook.change_section", other, section)
    assign_perm("playbook.change_section", group, section)
    permission = Permission.objects.get(codename="add_metricrun")
    other.user_permissions.add(permission)
    group.permissions.add(permission)
    AssetTag.objects.create(kind="persona", name="CFO")
    asset = Asset.objects.create(
        title="G", link="https://example.com/", kind="guide", stage="awareness"
    )
    asset.tags.add(AssetTag.objects.get())
    OpportunityFactory(), LeadFactory(), SpendFactory(), ForecastFactory()
    Team.objects.create(owner="Ada", team="East")
    return reader, other


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def _kept(client, url) -> None:
    """Asks until the page is kept (a section's first request records the visit, which the
    next one shows)."""
    for _attempt in range(3):
        if _queries(client, url) == KEPT_QUERIES:
            return
    pytest.fail(f"{url} is not kept")


def _all_kept(client) -> None:
    """Every page kept at once (a section's visit makes the table of contents again)."""
    for _attempt in range(3):
        if all([_queries(client, url) == KEPT_QUERIES for url, _reads in PAGES.values()]):
            return
    pytest.fail("the pages are not kept")


@pytest.mark.parametrize("page", PAGES)
def test_a_page_is_made_again_by_writes_of_what_it_shows_only(page, company):
    reader, other = company
    url, reads = PAGES[page]
    client = Client()
    client.force_login(reader)
    _kept(client, url)
    made_again = {}
    for table in WATCHED:
        _touch(table, reader=other if table in changes.READERS_OWN else None)
        made_again[table] = _queries(client, url) > KEPT_QUERIES
        _kept(client, url)
    assert sorted(t for t, again in made_again.items() if again) == sorted(reads.tables)
    for table in changes.READERS_OWN:  # the reader's own rows, where the page shows them
        _touch(table, reader=reader)
        assert (_queries(client, url) > KEPT_QUERIES) == (table in reads.readers_own), table
        _kept(client, url)


def test_every_watched_table_is_read_by_a_page_or_said_to_be_read_by_none():
    read = {t for _url, reads in PAGES.values() for t in (*reads.tables, *reads.readers_own)}
    assert sorted(set(WATCHED) - read) == sorted(changes.READ_BY_NO_PAGE)
    assert read <= set(WATCHED)


def test_another_readers_visits_and_a_runs_progress_leave_pages_kept(company):
    """What a busy portal writes all day leaves every kept page kept: a new user's first login,
    another reader's first visits and watch through the pages, and a metric run's progress."""
    reader, _other = company
    mine, theirs = Client(), Client()
    mine.force_login(reader)
    _all_kept(mine)
    theirs.force_login(User.objects.create_user("newcomer", first_name="Nora"))
    run = MetricRunFactory(status=MetricRun.Status.RUNNING)
    for slug in ("products-and-services", "success-metrics", "target-audience"):
        assert theirs.get(f"/playbook/{slug}/").status_code == 200
    assert theirs.post("/playbook/products-and-services/watch/", {"watch": "1"}).status_code == 302
    for progress in (10, 50, 90):
        MetricRun.objects.filter(pk=run.pk).update(progress=progress)
    for url, _reads in PAGES.values():
        assert _queries(mine, url) == KEPT_QUERIES, url


def test_a_run_that_succeeds_makes_the_pages_with_figures_again(company):
    """Figures are the latest succeeded run's: a new one makes every page showing figures
    again, and a section's (whose text might show some), but not the table of contents."""
    reader, _other = company
    client = Client()
    client.force_login(reader)
    _all_kept(client)
    MetricRun.objects.create(status=MetricRun.Status.SUCCEEDED, finished_at=timezone.now())
    made_again = {page: _queries(client, url) > KEPT_QUERIES for page, (url, _) in PAGES.items()}
    assert made_again == {page: page != "contents" for page in PAGES}
