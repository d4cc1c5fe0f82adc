"""Totals kept between computations: small tables derived from the CRM records, made again only
when a record they derive from was written.

Every family re-read whole record tables for any period asked: one month at 1,000,000
opportunities read them all, about twenty times one aggregate scan (docs/benchmarks.md). What a
family sums (each account's first won deal, the pipeline's events per day and cut value...) is
kept instead, in a table of its own (a model in metrics/models/kept.py), and a computation reads
that. A kept table is stamped with the change counter of its sources (revops_portal/kept: the
database's triggers move it on every write of a watched table, whoever writes: an import, a CRM
sync, the admin, raw SQL), and `ensure` fills it again when the counter moved past its stamp.

The stamp is the counter read before the fill, under a lock on the stamp's row: a write that
commits during the fill is either in the rows or makes the next `ensure` fill again; two
computations never fill one table at once (the second waits, then finds it current).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from revops_portal.kept.models import ChangeMarker

from ..models import KeptFirstWon, KeptStamp
from . import batch


@dataclass(frozen=True)
class Kept:
    """A kept table: its model's table, the watched tables its rows derive from, the columns a
    fill writes (in order) and the SQL of its rows (the engine's own, no parameters; called at
    fill time, as it may differ by database).

    `needs`: the kept tables its SQL reads, made current before it (and kept through a write
    before it).

    `key` and `select_among`, for a write that knows what it touched (an import: `through`): the
    column its rows are keyed by, ACCOUNT (ids) or DAY, and the SQL of the rows of some keys
    only, given a function that makes the SQL condition "this column's value is one of them"
    (applied to whichever columns the rows' keys come from). Without them such a write leaves
    the table stale, to be filled whole by the next computation.

    `adds`, for a table of sums of the rows of the one it needs first (`needs[0]`, keyed as it
    is): the SQL statements that add `sign` × those rows' sums, of some keys only, into it.
    A write then takes the touched keys' old rows' sums out and their new rows' in, instead of
    summing every row again."""

    table: str
    sources: tuple[str, ...]
    columns: tuple[str, ...]
    select: Callable[[], str]
    key: str | None = None
    select_among: Callable[[Callable[[str], str]], str] | None = None
    needs: tuple[Kept, ...] = ()
    adds: Callable[[Callable[[str], str], int], list[str]] | None = None


def _with_needs(kept: Sequence[Kept]) -> list[Kept]:
    """`kept` and what they need, each after what it needs: the one order of every fill (two
    fillers never wait for each other's stamps)."""
    ordered: list[Kept] = []
    for k in kept:
        for needed in (*_with_needs(k.needs), k):
            if needed not in ordered:
                ordered.append(needed)
    return ordered


ACCOUNT, DAY = "account_id", "day"

FIRST_WON = Kept(
    KeptFirstWon._meta.db_table,
    ("metrics_opportunity",),
    ("account_id", "close_date", "channel"),
    batch.first_won_select,
    key=ACCOUNT,
    select_among=lambda among: batch.first_won_select(among("account_id")),
)


def _counters(kept: tuple[Kept, ...]) -> dict[str, int]:
    """Each kept table's counter: the sum of its sources' change markers (a table never written
    has none: 0)."""
    sources = {source for k in kept for source in k.sources}
    markers = dict(ChangeMarker.objects.filter(table__in=sources).values_list("table", "version"))
    return {k.table: sum(markers.get(source, 0) for source in k.sources) for k in kept}


def ensure(*kept: Kept) -> None:
    """Each of `kept` (and what they need) current for the records as they are: two queries
    when they all are; the stale ones are emptied and filled again, together, in one
    transaction, each after what it needs."""
    kept = tuple(_with_needs(kept))
    counters = _counters(kept)
    stamps = dict(
        KeptStamp.objects.filter(name__in=[k.table for k in kept]).values_list("name", "version")
    )
    stale = [k for k in kept if stamps.get(k.table) != counters[k.table]]
    if stale:
        with transaction.atomic(), _fill_settings():
            for k in stale:
                _fill(k)


def _fill(kept: Kept) -> None:
    # The stamp's row locked (made first if it is new): a second filler waits here.
    KeptStamp.objects.bulk_create([KeptStamp(name=kept.table, version=-1)], ignore_conflicts=True)
    stamp = KeptStamp.objects.select_for_update().get(name=kept.table)
    counter = _counters((kept,))[kept.table]
    if stamp.version == counter:  # filled meanwhile by the computation we waited for
        return
    with connection.cursor() as cursor:
        # The engine's own names and SQL, no values.
        cursor.execute(f"DELETE FROM {kept.table}")  # noqa: S608
        cursor.execute(f"INSERT INTO {kept.table} ({', '.join(kept.columns)}) {kept.select()}")  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {kept.table}")
    stamp.version = counter
    stamp.save(update_fields=["version"])


@contextmanager
def _fill_settings() -> Iterator[None]:
    """The engine's settings (batch.ENGINE_SETTINGS) for a fill, then set back as they were.
    Not batch.engine_settings, whose savepoint is rolled back with what it wrote."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(batch.ENGINE_SETTINGS)
    before = batch.fetch(f"SELECT {', '.join(['current_setting(%s)'] * len(names))}", names)
    batch.set_configs(batch.ENGINE_SETTINGS)
    yield
    # Not after an error: the transaction is failed, and rolling it back undoes them anyway.
    batch.set_configs(dict(zip(names, before[0], strict=True)))


def first_won_channels() -> list[str]:
    """Every acquisition channel some account has (the source of its first won deal), from the
    channel's index."""
    ensure(FIRST_WON)
    return batch.distinct_values(KeptFirstWon._meta.db_table, "channel")


# --- Kept current by a write that knows what it touched -----------------------------------------


@dataclass(frozen=True)
class Touched:
    """What a write's records touched, in their old state and their new: the accounts, and the
    day ranges ([first day, day after), None: onward) their figures can move on
    (metrics/incremental.py)."""

    accounts: frozenset[int]
    days: tuple[tuple[date, date | None], ...]

    def among(self, key: str) -> Callable[[str], str]:
        """The SQL condition "`column` is one of the touched keys" (of the kind `key`): our own
        integers and ISO dates written out, no parameters (the kept tables' SQL has none)."""
        if key == ACCOUNT:
            ids = ", ".join(str(int(account)) for account in sorted(self.accounts)) or "NULL"
            return lambda column: f"{column} IN ({ids})"
        cast = "::date" if connection.vendor == "postgresql" else ""

        def within(column: str) -> str:
            ranges = [
                f"({column} >= '{start.isoformat()}'{cast}"
                + (f" AND {column} < '{end.isoformat()}'{cast})" if end else ")")
                for start, end in self.days
            ]
            return f"({' OR '.join(ranges)})" if ranges else "1 = 0"

        return within


@contextmanager
def through(kept: Sequence[Kept], written: Sequence[str], touched: Callable[[], Touched | None]):
    """Around a write of the tables `written`, inside its transaction: each of `kept` deriving
    from them that is current before the write stays current after it, its rows of the keys
    `touched()` gives (called after the write) filled again instead of the whole table by the
    next computation. A day's import then costs the next run no fill at all.

    The sources' change markers are locked before the write (made first when new) and stay
    locked to the transaction's end: no other write of them comes between the stamp read
    before and the one written after, which therefore differ by this write's own moves only.
    (The triggers lock them at a write anyway; a writer waits for this one.) `touched()` None,
    or a table without keys: it is left stale."""
    affected = [k for k in _with_needs(kept) if set(k.sources) & set(written)]
    sources = sorted({source for k in affected for source in k.sources})
    if sources:
        ChangeMarker.objects.bulk_create(
            [ChangeMarker(table=source, version=0) for source in sources], ignore_conflicts=True
        )
        list(ChangeMarker.objects.select_for_update().filter(table__in=sources).order_by("table"))
        counters = _counters(tuple(affected))
        stamps = dict(
            KeptStamp.objects.filter(name__in=[k.table for k in affected]).values_list(
                "name", "version"
            )
        )
        current = [k for k in affected if k.key and stamps.get(k.table) == counters[k.table]]
        # What a table needs, if the write touches it, must be kept through it too.
        affected = [k for k in current if all(n in current or n not in affected for n in k.needs)]
    yield
    keys = touched() if affected else None
    if keys is None:
        return
    counters = _counters(tuple(affected))
    with _fill_settings(), connection.cursor() as cursor:
        for k in affected:
            if k.adds:
                continue  # kept with the table it sums, below
            among = keys.among(k.key)
            sums = [s for s in affected if s.adds and s.needs[0] is k]
            # The engine's own names and SQL, our own keys written out, no values.
            for sql in (sql for s in sums for sql in s.adds(among, -1)):
                cursor.execute(sql)
            cursor.execute(f"DELETE FROM {k.table} WHERE {among(k.key)}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {k.table} ({', '.join(k.columns)}) {k.select_among(among)}"  # noqa: S608
            )
            for sql in (sql for s in sums for sql in s.adds(among, 1)):
                cursor.execute(sql)
    for k in affected:
        KeptStamp.objects.filter(name=k.table).update(version=counters[k.table])
