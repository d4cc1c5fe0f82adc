"""Many periods and cut values computed together (issue 10): the same figures as one period and
cut at a time, a query count that grows with neither, and `compute_metrics --period P` computing
P alone."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import catalog
from metrics.calculations import KEPT, batch, compute_all, compute_many, kept
from metrics.cuts import Cut
from metrics.models import (
    Account,
    MetricRun,
    MetricValue,
    Opportunity,
)
from metrics.periods import Period, parse
from metrics.run_values import VALUE_COLUMNS
from metrics.services import cuts_to_compute

from .factories import make_book

pytestmark = pytest.mark.django_db


MONTHS = [Period.month(2017, m) for m in range(1, 13)]
MIXED = [parse("2017-W23"), parse("2017-06"), parse("2017-Q2"), parse("2017")]


def test_many_periods_and_cuts_at_once_give_each_ones_own_figures():
    make_book(40)
    cuts = cuts_to_compute()
    assert {cut.kind for cut in cuts} == set(catalog.CUT_KINDS)
    together = compute_many(MIXED + MONTHS[:2], cuts)
    for period in MIXED:
        for cut in cuts:
            assert together[period, cut] == compute_all(period, cut), (period, cut)


def test_the_query_count_grows_with_neither_periods_nor_cut_values():
    make_book(10)

    def queries(periods, cuts) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            compute_many(periods, cuts)
        return [query["sql"] for query in captured.captured_queries]

    cuts = cuts_to_compute()
    kept.ensure(*KEPT)  # every kept total filled: the same for both below
    few = queries(MONTHS[:1], [Cut(), Cut.segment("SMB")])
    many = queries(MONTHS + MIXED, cuts)
    assert len(few) == len(many)
    # One statement per family, every cut kind in it: pipeline, forecast, recurring revenue (the
    # balances and the movements), new customers, spend (with marketing's), leads; besides them
    # the kept totals' stamps and change markers (kept.ensure, two queries when current) and on
    # PostgreSQL the engine's settings (batch.engine_settings); no temporary table.
    kept_checks = [sql for sql in many if "metrics_keptstamp" in sql or "kept_changemarker" in sql]
    assert len(kept_checks) == 2
    computing = [
        sql
        for sql in many
        if sql.lstrip().startswith(("WITH", "SELECT"))
        and "set_config" not in sql
        and sql not in kept_checks
    ]
    assert len(computing) == 7
    assert not [sql for sql in many if "TEMPORARY" in sql or sql.startswith("DELETE")]


def test_an_account_never_won_and_a_cut_value_with_no_records_are_zero_not_missing():
    make_book(5)
    figures = compute_many(MONTHS[:1], [Cut(catalog.INDUSTRY, "Mining"), Cut.channel("Nope")])
    mining = figures[MONTHS[0], Cut(catalog.INDUSTRY, "Mining")]
    assert mining["mrr"].value == 0 and mining["new_customers"].value == 0
    assert mining["win_rate"].undefined_reason == "no closed opportunities"
    nope = figures[MONTHS[0], Cut.channel("Nope")]
    assert nope["cac"].undefined_reason == "no new customers"


def _values(run) -> dict:
    return {
        (v.key, v.period_start, v.period_end, v.cut_kind, v.cut_value): (
            v.value,
            v.numerator,
            v.denominator,
            v.undefined_reason,
        )
        for v in MetricValue.objects.of_run(run)
    }


def test_compute_metrics_period_computes_only_that_period():
    make_book(20)
    call_command("compute_metrics", "--in-process", stdout=StringIO())
    first = MetricRun.objects.get()
    before = _values(first)
    # A new won deal in June 2017 changes June (and Q2 and 2017), nothing before it.
    Opportunity.objects.create(
        external_id="LATE",
        account=Account.objects.first(),
        owner="Ana",
        status="won",
        created_date=date(2017, 6, 1),
        close_date=date(2017, 6, 15),
        amount=Decimal("777.00"),
    )

    with CaptureQueriesContext(connection) as captured:
        call_command("compute_metrics", "--in-process", "--period", "2017-06", stdout=StringIO())

    second = MetricRun.objects.exclude(pk=first.pk).get()
    after = _values(second)
    assert set(after) == set(before)
    june = date(2017, 6, 1), date(2017, 7, 1)
    changed = {place for place in after if after[place] != before[place]}
    assert changed and all(place[1:3] == june for place in changed)
    assert after["won_count", *june, "all", ""][0] == before["won_count", *june, "all", ""][0] + 1
    # Q2 was carried over, not recomputed: it still has the old count.
    q2 = date(2017, 4, 1), date(2017, 7, 1)
    assert after["won_count", *q2, "all", ""] == before["won_count", *q2, "all", ""]
    # One period: the figures' dozen queries (their temporary table, on PostgreSQL the engine's
    # settings in a savepoint), the kept totals the new deal made stale filled again (five
    # queries, and six for each table at most; the owners' list fills the pipeline's first, on
    # its own: seven more, its counter and stamps, savepoint and settings) and a handful of
    # writes (on PostgreSQL through a staging table), not a run's worth (hundreds).
    assert len(captured.captured_queries) < 75 + 5 + 6 * len(KEPT) + 7


def test_a_run_writes_every_column_of_a_value():
    columns = {field.column for field in MetricValue._meta.concrete_fields} - {"id"}
    assert set(VALUE_COLUMNS) == columns


@pytest.mark.services
def test_postgresql_expects_about_one_first_won_deal_per_account():
    """The planner's guess of each account's first won deal: with the window function's
    `position = 1` it guessed 0.5 % of the won deals and joined a month's recurring revenue by
    channel with a nested loop, 18.8 s instead of 0.34 s at 100k opportunities."""
    if connection.vendor != "postgresql":
        pytest.fail("The planner's estimate is PostgreSQL's (set DATABASE_URL).")
    make_book(200)
    # SQL of the engine's own constants, no values.
    first_won = batch.first_won_select()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {batch.OPPORTUNITIES}")
        cursor.execute(f"SELECT COUNT(*) FROM ({first_won}) accounts")  # noqa: S608
        (accounts,) = cursor.fetchone()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {first_won}")
        (plan,) = cursor.fetchone()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert accounts > 100
    assert accounts / 2 <= plan[0]["Plan"]["Plan Rows"] <= accounts * 2


@pytest.mark.services
def test_the_engine_settings_hold_for_its_statements_and_end_with_it():
    """Every caller of compute_many gets JIT off and the engine's memory (at 1m the server JIT
    compiled one month's pipeline statement for 1.3 s), and the caller's transaction goes on
    with its own settings afterwards (SET LOCAL, undone with the engine's savepoint)."""
    if connection.vendor != "postgresql":
        pytest.fail("The settings are PostgreSQL's (set DATABASE_URL).")
    make_book(5)

    def settings() -> tuple:
        return batch.fetch(
            "SELECT current_setting('jit'), current_setting('work_mem'), "
            "current_setting('hash_mem_multiplier')",
            [],
        )[0]

    before = settings()
    seen = []

    def watch(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("WITH"):  # a family's statement: read the settings it ran with
            seen.append(settings())
        return result

    cuts = cuts_to_compute()
    with connection.execute_wrapper(watch):
        compute_many(MONTHS[:1], cuts)
    assert before != ("off", batch.ENGINE_WORK_MEM, batch.ENGINE_HASH_MEM_MULTIPLIER)
    assert seen and set(seen) == {("off", batch.ENGINE_WORK_MEM, batch.ENGINE_HASH_MEM_MULTIPLIER)}
    assert settings() == before
