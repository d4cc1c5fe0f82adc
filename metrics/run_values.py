"""A run's values in the database: each computed period's figures written as a value set of the
run's, several periods in one statement; the periods an incremental run did not compute shown
from the earlier run's sets (a row per period, not a copy of their values); sets no kept run
shows deleted."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction

from .models import MetricRun, MetricRunPeriod, MetricValue, MetricValueSet
from .periods import Period

TABLE = MetricValue._meta.db_table

VALUE_COLUMNS = (  # the set first
    "value_set_id",
    "key",
    "period_kind",
    "period_start",
    "period_end",
    "cut_kind",
    "cut_value",
    "value",
    "numerator",
    "denominator",
    "undefined_reason",
)


# Rows in one INSERT (SQLite): fewer round trips, statements of a size it parses quickly.
ROWS_PER_STATEMENT = 1000
STAGED = "staged_values"


def value_set(run: MetricRun, period: Period) -> MetricValueSet:
    """The set of `run`'s values for `period`: made, and shown by the run, if it has none."""
    return MetricValueSet(pk=value_sets(run, [period])[period])


def value_sets(run: MetricRun, periods: Sequence[Period]) -> dict[Period, int]:
    """The id of `run`'s value set for each of `periods`, the missing ones made and shown by
    the run: a few statements for a run's 77 periods, not a get_or_create each.

    In a commit of its own, before any value: a run that fails after it shows empty or partial
    sets, never read (only succeeded runs are), deleted by the next attempt or pruning. Where
    an overlapping attempt showed a set for the period first, that one is the run's (the
    constraint keeps one per period; the set made here in vain is pruned with the others no
    run shows).
    """

    def shown() -> dict[tuple, int]:
        return {
            (kind, start, end): set_id
            for set_id, kind, start, end in run.periods.values_list(
                "value_set_id", "period_kind", "period_start", "period_end"
            )
        }

    sets = shown()
    missing = [period for period in periods if _key(period) not in sets]
    if missing:
        with transaction.atomic():
            made = MetricValueSet.objects.bulk_create([MetricValueSet() for _ in missing])
            MetricRunPeriod.objects.bulk_create(
                [
                    MetricRunPeriod(
                        run=run,
                        value_set=value_set,
                        period_kind=period.kind,
                        period_start=period.start,
                        period_end=period.end,
                    )
                    for period, value_set in zip(missing, made, strict=True)
                ],
                ignore_conflicts=True,
            )
        sets = shown()
    return {period: sets[_key(period)] for period in periods}


def _key(period: Period) -> tuple:
    return (period.kind, period.start, period.end)


def store(run: MetricRun, computed: dict, *, sets: dict[Period, int] | None = None) -> None:
    """Write the figures of several periods (`computed[period][cut]`: {key: figure}) in one
    transaction, each period into the run's value set of it (`sets`, from `value_sets`; else
    looked up).

    Not bulk_create: building model objects and its SQL took most of a run's time; the values go in
    as the model would write them (decimals as Decimal, dates as the backend adapts them).
    PostgreSQL: COPY straight into the values table (a full run at 100k opportunities writes
    54,054 values: one INSERT a row took 42 s, 1,000 rows a statement 3.2 s, COPY through a
    staging table and an INSERT … SELECT 1.0 s); a row an overlapping attempt already wrote is
    the same figure, so should the COPY meet one, the periods go in through the staging table,
    skipping them (ON CONFLICT DO NOTHING). SQLite: 1,000 rows a statement, skipping them too.
    """
    if sets is None:
        sets = value_sets(run, list(computed))
    columns = ", ".join(connection.ops.quote_name(column) for column in VALUE_COLUMNS)
    # One transaction: outside one, each statement would be a commit of its own.
    with transaction.atomic(), connection.cursor() as cursor:
        # Locked until the commit, so that a newer attempt's `forget` waits for these values;
        # in one order, so that two overlapping attempts never wait for each other's.
        shown_by: dict[int, list[int]] = {sets[period]: [] for period in computed}
        links = MetricRunPeriod.objects.select_for_update().filter(value_set_id__in=shown_by)
        for set_id, run_id in links.order_by("pk").values_list("value_set_id", "run_id"):
            shown_by[set_id].append(run_id)
        # A set shown by another run (an overlapping attempt carried the period over), or no
        # longer by this one (a newer attempt dropped the sets of this one), is never written.
        rows = _rows(
            {
                period: cuts
                for period, cuts in computed.items()
                if shown_by[sets[period]] == [run.pk]
            },
            sets,
        )
        if not rows:
            return
        if connection.vendor == "postgresql":
            _copy(cursor, columns, rows)
            return
        placeholders = ", ".join(["%s"] * len(VALUE_COLUMNS))
        size = min(ROWS_PER_STATEMENT, connection.ops.bulk_batch_size(VALUE_COLUMNS, rows) or 1)
        for first in range(0, len(rows), size):
            chunk = rows[first : first + size]
            cursor.execute(
                # Table and column names from the model; every value is a parameter.
                f"INSERT INTO {TABLE} ({columns}) VALUES "  # noqa: S608
                + ", ".join([f"({placeholders})"] * len(chunk))
                + " ON CONFLICT DO NOTHING",
                [value for row in chunk for value in row],
            )


def _rows(computed: dict, sets: dict[Period, int]) -> list[tuple]:
    """The values' rows, in VALUE_COLUMNS' order."""
    adapt = connection.ops.adapt_datefield_value
    return [
        (
            sets[period],
            key,
            period.kind,
            start,
            end,
            cut.kind,
            cut.value,
            figure.value,
            figure.numerator,
            figure.denominator,
            figure.undefined_reason,
        )
        for period, cuts in computed.items()
        for start, end in [(adapt(period.start), adapt(period.end))]
        for cut, figures in cuts.items()
        for key, figure in figures.items()
    ]


def _copy(cursor, columns: str, rows: list[tuple]) -> None:
    """The rows COPYed (CSV: None unquoted, so NULL; every other value quoted, so an empty cut
    value stays '') into the values table; if one is there already (an overlapping attempt's),
    into a temporary table of the values' columns instead, then inserted from it skipping
    those."""
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_NOTNULL).writerows(rows)
    try:
        with transaction.atomic():  # a savepoint: the failed COPY is undone, not the transaction
            text.seek(0)
            with connection.wrap_database_errors:  # psycopg's own errors as Django's
                cursor.cursor.copy_expert(
                    f"COPY {TABLE} ({columns}) FROM STDIN WITH (FORMAT csv)", text
                )
        return
    except IntegrityError:
        pass
    text.seek(0)
    # The model's table and column names, no values.
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGED} AS SELECT {columns} FROM {TABLE} WITH NO DATA"  # noqa: S608
    )
    cursor.cursor.copy_expert(f"COPY {STAGED} ({columns}) FROM STDIN WITH (FORMAT csv)", text)
    cursor.execute(
        f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {STAGED} "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    cursor.execute(f"DROP TABLE {STAGED}")


def carry_over(run: MetricRun, source: MetricRun, skipped: Sequence[Period]) -> None:
    """Show every period of `source` in `run` but the `skipped` ones (the periods the run
    computes, and those it no longer covers): the run shows the same value sets, one row per
    period, and none of their values is copied or changed."""
    skipping = {(period.kind, period.start, period.end) for period in skipped}
    MetricRunPeriod.objects.bulk_create(
        MetricRunPeriod(
            run=run,
            value_set_id=set_id,
            period_kind=kind,
            period_start=start,
            period_end=end,
        )
        for set_id, kind, start, end in source.periods.values_list(
            "value_set_id", "period_kind", "period_start", "period_end"
        )
        if (kind, start, end) not in skipping
    )


def forget(runs) -> int:
    """The runs (a queryset or ids) no longer show any value; the sets no other run shows are
    deleted with their values. Returns how many values were deleted.

    The links first: deleting one waits for a `store` that holds it locked to commit, so the
    values it wrote are seen and deleted with their set (the values have no foreign-key
    constraint to do it); a `store` after it finds no link and writes nothing."""
    MetricRunPeriod.objects.filter(run__in=runs).delete()
    _deleted, per_model = MetricValueSet.objects.filter(run_periods=None).delete()
    return per_model.get(MetricValue._meta.label, 0)
