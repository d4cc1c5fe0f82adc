"""A run's values in the database: each computed period's figures written in one statement, the
periods an incremental run did not compute copied from an earlier run in another."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction

from .models import MetricRun, MetricValue
from .periods import Period

TABLE = MetricValue._meta.db_table

VALUE_COLUMNS = (  # the run first
    "run_id",
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


# Rows in one INSERT: fewer round trips, statements of a size the database parses quickly.
ROWS_PER_STATEMENT = 1000


def store(run: MetricRun, period: Period, computed: dict) -> None:
    """Write one period's figures of every cut (`computed[cut]`: {key: figure}), 1,000 rows a statement.

    A row an overlapping attempt already wrote is the same figure: skipped (ON CONFLICT). Not
    bulk_create: building model objects and its SQL took most of a run's time; the values go in
    as the model would write them (decimals as Decimal, dates as the backend adapts them).
    Many rows a statement: psycopg2's executemany sends one statement a row, and a full run at
    100k opportunities (54,054 values) spent 42 of its 125 s in those round trips.
    """
    columns = ", ".join(connection.ops.quote_name(column) for column in VALUE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(VALUE_COLUMNS))
    start = connection.ops.adapt_datefield_value(period.start)
    end = connection.ops.adapt_datefield_value(period.end)
    rows = [
        (
            run.pk,
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
        for cut, figures in computed.items()
        for key, figure in figures.items()
    ]
    size = min(ROWS_PER_STATEMENT, connection.ops.bulk_batch_size(VALUE_COLUMNS, rows) or 1)
    # One transaction: outside one, each statement would be a commit of its own.
    with transaction.atomic(), connection.cursor() as cursor:
        for first in range(0, len(rows), size):
            chunk = rows[first : first + size]
            cursor.execute(
                # Table and column names from the model; every value is a parameter.
                f"INSERT INTO {TABLE} ({columns}) VALUES "  # noqa: S608
                + ", ".join([f"({placeholders})"] * len(chunk))
                + " ON CONFLICT DO NOTHING",
                [value for row in chunk for value in row],
            )


def carry_over(run: MetricRun, source: MetricRun, skipped: Sequence[Period]) -> None:
    """Copy every value of `source` into `run` but those of the `skipped` periods (the ones the
    run computes, and those it no longer covers), in the database: one statement."""
    listed = ", ".join(connection.ops.quote_name(column) for column in VALUE_COLUMNS[1:])
    period = "(period_kind = %s AND period_start = %s AND period_end = %s)"
    params: list = [run.pk, source.pk]
    for skip in skipped:
        params += [
            skip.kind,
            connection.ops.adapt_datefield_value(skip.start),
            connection.ops.adapt_datefield_value(skip.end),
        ]
    unless = f" AND NOT ({' OR '.join([period] * len(skipped))})" if skipped else ""
    with connection.cursor() as cursor:
        cursor.execute(
            # Column names from the model; every value is a parameter.
            f"INSERT INTO {TABLE} (run_id, {listed}) "  # noqa: S608
            f"SELECT %s, {listed} FROM {TABLE} WHERE run_id = %s{unless}",
            params,
        )
