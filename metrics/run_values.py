"""A run's values in the database: each computed period's figures written in one statement, the
periods an incremental run did not compute copied from an earlier run in another."""

from __future__ import annotations

import csv
import io
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


# Rows in one INSERT (SQLite): fewer round trips, statements of a size it parses quickly.
ROWS_PER_STATEMENT = 1000
STAGED = "staged_values"


def store(run: MetricRun, period: Period, computed: dict) -> None:
    """Write one period's figures of every cut (`computed[cut]`: {key: figure}) in one transaction.

    A row an overlapping attempt already wrote is the same figure: skipped (ON CONFLICT). Not
    bulk_create: building model objects and its SQL took most of a run's time; the values go in
    as the model would write them (decimals as Decimal, dates as the backend adapts them).
    PostgreSQL: COPY into a temporary table and one INSERT … SELECT from it (a full run at 100k
    opportunities writes 54,054 values: one INSERT a row took 42 s, 1,000 rows a statement 3.2 s,
    most of it building and parsing the statements). SQLite: 1,000 rows a statement.
    """
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
    columns = ", ".join(connection.ops.quote_name(column) for column in VALUE_COLUMNS)
    # One transaction: outside one, each statement would be a commit of its own.
    with transaction.atomic(), connection.cursor() as cursor:
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


def _copy(cursor, columns: str, rows: list[tuple]) -> None:
    """The rows COPYed (CSV: None unquoted, so NULL; every other value quoted, so an empty cut
    value stays '') into a temporary table of the values' columns, then inserted from it."""
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_NOTNULL).writerows(rows)
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
