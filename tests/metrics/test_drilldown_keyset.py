"""Drill-downs page by keyset (metrics/keyset.py): following Next → (or ← Previous) lists every
record exactly once in the listing's order, and a page deep in a large listing costs the queries
and shows the rows a first page of a small one does."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import catalog, drilldown
from metrics.cuts import Cut
from metrics.models import Account, Opportunity, Subscription
from metrics.periods import Period
from tests.metrics.dashboard_support import make_persona, stored_run

JUNE = Period.month(2017, 6)
ROW_ID = re.compile(r"<tr><td>([^<]*)</td>")
NEXT = re.compile(r'after=(\d+)" rel="next"')
PREVIOUS = re.compile(r'before=(\d+)" rel="prev"')


def company(accounts: int):
    """`accounts` accounts (names repeat: ties in the order) with a subscription each and an
    opportunity each closing in June on one of three days (ties again), external ids shuffled
    against the insertion order."""
    Opportunity.objects.all().delete()
    Subscription.objects.all().delete()
    Account.objects.all().delete()
    made = Account.objects.bulk_create(
        Account(external_id=f"A{(n * 7919) % accounts:05d}", name=f"Account {n % 13:02d}",
                segment="SMB")
        for n in range(accounts)
    )  # fmt: skip
    Subscription.objects.bulk_create(
        Subscription(external_id=f"S{n}", account=a, mrr=Decimal(100 + n % 5),
                     start_date=date(2017, 1, 1) if n % 3 else date(2017, 6, 10),
                     end_date=date(2017, 6, 20) if n % 4 == 0 else None)
        for n, a in enumerate(made)
    )  # fmt: skip
    Opportunity.objects.bulk_create(
        Opportunity(external_id=f"O{(n * 7919) % accounts:05d}", account=a,
                    status="won" if n % 3 else "lost", amount=Decimal("500"),
                    created_date=date(2017, 5, 1), close_date=date(2017, 6, 1 + n % 3))
        for n, a in enumerate(made)
    )  # fmt: skip


def url(key: str, period: Period = JUNE) -> str:
    return reverse("metrics:records", kwargs={"key": key}) + f"?period={period.code()}"


def walk(client, key: str, period: Period, *, backwards_from: int | None = None) -> list[str]:
    """The first column of every row, following Next → from the first page (or ← Previous from
    the page after record `backwards_from`)."""
    seen, pages = [], 0
    query = f"&after={backwards_from}" if backwards_from else ""
    while query is not None and pages < 100:
        page = client.get(url(key, period) + query)
        assert page.status_code == 200
        html = page.content.decode()
        rows = ROW_ID.findall(html)
        assert 0 < len(rows) <= 50
        pages += 1
        if backwards_from:
            seen = rows + seen
            found = PREVIOUS.search(html)
            query = f"&before={found.group(1)}" if found else None
        else:
            seen += rows
            found = NEXT.search(html)
            query = f"&after={found.group(1)}" if found else None
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "period"),
    [("win_rate", JUNE), ("nrr", JUNE), ("open_pipeline_count", Period.month(2017, 5))],
)
def test_next_pages_list_every_record_once_in_order_and_previous_pages_too(client, key, period):
    client.force_login(make_persona("reader"))
    company(173)
    run = stored_run(months=12)  # a run after the records changed, as imports queue one
    table = drilldown.drilldown(catalog.BY_KEY[key], period, Cut(), run=run)[0]
    expected = [str(row[0]) for row in table.rows(table.queryset)]  # the first column: the ID
    assert len(expected) > 150  # four pages, the last one short
    assert walk(client, key, period) == expected
    # From the last page (the records after the 150th) back to the first, by ← Previous.
    last_of_third_page = table.queryset[149]
    assert walk(client, key, period, backwards_from=last_of_third_page.pk) == expected


def page_cost(client, query: str) -> tuple[int, int, int]:
    """Queries of rendering the page (its listing made: the kept page forgotten), queries of
    the page kept (metrics/views.py `records`), rows."""
    client.get(query)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        html = client.get(query).content.decode()
    with CaptureQueriesContext(connection) as kept:
        assert ROW_ID.findall(client.get(query).content.decode()) == ROW_ID.findall(html)
    return len(captured.captured_queries), len(kept.captured_queries), len(ROW_ID.findall(html))


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["win_rate", "nrr", "cac"])
def test_a_deep_page_of_many_records_costs_what_a_page_of_few_does(client, key):
    client.force_login(make_persona("reader"))
    sizes = []
    for accounts in (120, 1200):
        company(accounts)
        run = stored_run(months=12)  # a run after the records changed, as imports queue one
        table = drilldown.drilldown(catalog.BY_KEY[key], JUNE, Cut(), run=run)[-1]
        listed = list(table.queryset.values_list("pk", flat=True))
        prefix = "" if table.name in ("opportunities", "accounts") else f"{table.name}_"
        deep = listed[len(listed) - 60]  # the page after it is a full one
        first = page_cost(client, url(key))
        later = page_cost(client, url(key) + f"&{prefix}after={deep}")
        sizes.append((first, later))
    (small_first, small_later), (large_first, large_later) = sizes
    assert small_first == large_first and small_later == large_later
    assert small_later[0] == small_first[0] + 1  # the cursor record's place in the order
    assert small_first[1] == small_later[1] == 3  # kept: the session, the user, run and counter
    assert small_first[2] == small_later[2] == 50  # full pages of rows, at both sizes


@pytest.mark.django_db
def test_a_cursor_that_is_not_a_record_id_is_refused(client):
    stored_run(months=12)
    client.force_login(make_persona("reader"))
    assert client.get(url("win_rate") + "&after=x1").status_code == 400
    assert client.get(url("win_rate") + "&before=99999999").status_code == 400


@pytest.mark.django_db
def test_the_drill_down_orders_are_keyset_orders():
    """Every table's order ends with a unique column (the keyset's tie-break)."""
    from metrics.keyset import keyset_order

    for definition in catalog.METRICS:
        cut = Cut()
        for table in drilldown.drilldown(definition, JUNE, cut, run=None):
            assert keyset_order(table.queryset)


@pytest.mark.django_db
def test_opportunities_are_ordered_by_the_bytes_of_their_external_ids():
    """Byte order on both databases (migration 0031), whatever PostgreSQL's locale: a locale
    would put "a_1" before "a1" and "b" before "B"; and PostgreSQL compares them as "C" does."""
    ids = ["b", "B", "a-2", "a_1", "a1", "Z", "é", "e", "10", "9", "a 1"]
    Opportunity.objects.bulk_create(
        Opportunity(external_id=external_id, status="won", created_date=date(2017, 5, 1),
                    close_date=date(2017, 6, 1))
        for external_id in ids
    )  # fmt: skip
    ordered = Opportunity.objects.order_by("close_date", "external_id")
    assert list(ordered.values_list("external_id", flat=True)) == sorted(ids, key=str.encode)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.collcollate FROM pg_attribute a JOIN pg_collation c "
                "ON c.oid = a.attcollation WHERE a.attrelid = 'metrics_opportunity'::regclass "
                "AND a.attname = 'external_id'"
            )
            assert cursor.fetchone() == ("C",)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["win_rate", "nrr", "cac", "forecast_accuracy"])
def test_the_rows_built_in_python_are_what_the_template_loop_rendered(key):
    from django.template import Context, Template

    company(30)
    Account.objects.filter(pk__in=Account.objects.order_by("pk")[:3].values("pk")).update(
        name="<script>alert('x')</script> & Co"
    )
    Opportunity.objects.filter(pk=Opportunity.objects.order_by("pk")[0].pk).update(
        name='Deal "quoted" <b>', amount=None, source=""
    )
    loop = Template(
        '{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell|default_if_none:"" }}</td>'
        "{% endfor %}</tr>{% endfor %}"
    )
    for table in drilldown.drilldown(catalog.BY_KEY[key], JUNE, Cut(), run=None):
        objects = list(table.queryset[:50])
        assert table.html_rows(objects) == loop.render(Context({"rows": table.rows(objects)}))
    accounts = drilldown.drilldown(catalog.BY_KEY["nrr"], JUNE, Cut(), run=None)[0]
    shown = accounts.html_rows(list(accounts.queryset))
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in shown
    assert "<script>" not in shown


@pytest.mark.django_db
def test_every_drilldown_table_is_named_in_table_names_so_its_cursors_are_read():
    run = stored_run(months=12)
    for definition in catalog.METRICS:
        for table in drilldown.drilldown(definition, JUNE, Cut(), run=run):
            assert table.name in drilldown.TABLE_NAMES, (definition.key, table.name)
