"""Incremental runs: recompute only the periods an import's records can change.

An import notes the days its records can change (`ImportChanges`, from each record's state
before and after the write) as date ranges on the run it requests (`MetricRun.changes`). A run
with known changes computes only the periods that overlap them (and periods the latest run did
not have) and shows every other period's values from the latest succeeded run (the same value
sets, metrics/run_values.py), so that each run stays a complete snapshot. Exact, because outside those ranges no figure can move:

- an opportunity: its days from created to closed (onward while open): "closed in P" and
  "open at the end of P". Won, it may also change its account's first won deal: the periods of
  that deal's old and new close date (new customers), and when the acquisition channel changes,
  every period from the account's first subscription on (recurring revenue by channel).
- a subscription: every period from its start on (MRR, and new vs reactivation afterwards).
- a spend row: its month; a forecast: its period; a lead: the days it was created and converted.
- an account whose segment or industry changes, an owner who changes team: every period from
  their first record on (they move between cuts).

A run whose changes are unknown (a manual, nightly or sync request) computes everything, and so
does any run when the cut values differ from the latest run's (a new segment, owner, channel).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.db import connection
from django.db.models import Min, Q
from django.db.models.expressions import RawSQL

from .calculations import batch
from .calculations.kept import ACCOUNT, Touched
from .cuts import Cut
from .models import (
    Account,
    Forecast,
    Lead,
    MetricRun,
    MetricValue,
    Opportunity,
    Spend,
    Subscription,
    Team,
)
from .periods import Period

logger = logging.getLogger(__name__)

# A bigger import recomputes everything: as fast as many periods, and bounded memory here.
MAX_TRACKED = 20_000
_DAY = timedelta(days=1)

Range = tuple[date, date | None]  # [first day, first day after) — None: onward


# --- Date ranges --------------------------------------------------------------------------------


def merged(ranges: Iterable[Range]) -> list[Range]:
    """The same days as a sorted list of disjoint ranges."""
    result: list[list] = []
    for start, end in sorted(ranges, key=lambda r: r[0]):
        if result and (result[-1][1] is None or start <= result[-1][1]):
            last = result[-1]
            last[1] = None if last[1] is None or end is None else max(last[1], end)
        else:
            result.append([start, end])
    return [(start, end) for start, end in result]


def to_json(ranges: Iterable[Range]) -> list[list[str | None]]:
    return [[start.isoformat(), end.isoformat() if end else None] for start, end in ranges]


def from_json(stored: Iterable[Sequence[str | None]]) -> list[Range]:
    return [
        (date.fromisoformat(start), date.fromisoformat(end) if end else None)
        for start, end in stored
    ]


def union(first: list | None, second: list | None) -> list | None:
    """Two runs' stored changes as one (None, unknown, absorbs everything)."""
    if first is None or second is None:
        return None
    return to_json(merged(from_json(first) + from_json(second)))


def overlaps(period: Period, ranges: Sequence[Range]) -> bool:
    return any(start < period.end and (end is None or period.start < end) for start, end in ranges)


def _day(day: date | None) -> Range | None:
    return (day, day + _DAY) if day else None


def _onward(day: date | None) -> Range | None:
    return (day, None) if day else None


# --- What an import changes -------------------------------------------------------------------


class ImportChanges:
    """The days an import's records can change: `ImportChanges(kind, staging, rows)` before the
    write reads the stored state of the records staged in the `staging` table (its columns
    named as the model's, the account as `account_ref`), `ranges()` after it (in the same
    transaction) their new state.

    `ranges()` is None (recompute everything) for a kind it does not know or a big import.
    """

    def __init__(self, kind: str, staging: str, rows: int) -> None:
        self.kind = _KINDS.get(kind) if rows <= MAX_TRACKED else None
        self.staging = staging
        self.before = self.kind.state(self._staged) if self.kind else None

    def ranges(self) -> list[list[str | None]] | None:
        if self.kind is None:
            return None
        self.after = self.kind.state(self._staged, self.before)
        self.days = merged(r for r in self.kind.changed(self.before, self.after) if r is not None)
        return to_json(self.days)

    def touched(self) -> Touched | None:
        """After `ranges()`: the accounts and days the records touched, for the engine's kept
        totals (metrics/calculations/kept.py `through`); None when `ranges()` is."""
        if self.kind is None:
            return None
        accounts = getattr(self.kind, "accounts", lambda before, after: set())
        return Touched(frozenset(accounts(self.before, self.after)), tuple(self.days))

    def _staged(self, column: str) -> RawSQL:
        """The staged records' values of a column, as a subquery."""
        # The import's own table and the model's column names; no value from the file.
        sql = f"SELECT {connection.ops.quote_name(column)} FROM {self.staging}"  # noqa: S608
        return RawSQL(sql, [])  # noqa: S611


def _chunks(values: list, size: int = 500):
    for at in range(0, len(values), size):
        yield values[at : at + size]


class _Opportunities:
    # What a figure reads of an opportunity: a change to any of these can move one.
    FIELDS = ("created_date", "close_date", "status", "amount", "owner", "type", "source")

    @staticmethod
    def state(staged, before=None):
        found = Opportunity.objects.filter(external_id__in=staged("external_id")).values_list(
            "external_id", "account_id", *_Opportunities.FIELDS
        )
        rows = {row[0]: row[1:] for row in found}
        # Their accounts' first won deals, old accounts and new: an account's first won deal
        # is its new-customer period and its acquisition channel. (An account the file names
        # by name is known after the write only: then treated as changed, a superset.)
        accounts = {row[0] for row in rows.values()}
        if before is not None:  # after the write: the same accounts as before, and new ones
            accounts = (accounts | before[1]) - {None}
            return rows, accounts, _first_won(accounts)
        named = Account.objects.filter(external_id__in=staged("account_ref")).values_list(
            "pk", flat=True
        )
        accounts = (accounts | set(named)) - {None}
        return rows, accounts, _first_won(accounts)

    @staticmethod
    def accounts(before, after):
        """Their accounts, old and new, whose first won deal changed (its close date or source):
        all that an account's kept rows read of its opportunities (a day's import of 10,000
        amounts at 1,000,000 opportunities: none, where every account of the records made the
        kept MRR movements 7-13 s of the import)."""
        first_before, (_, accounts, first_after) = before[2], after
        return {
            account for account in accounts if first_before.get(account) != first_after.get(account)
        }

    @staticmethod
    def changed(before, after):
        (rows_before, _, first_before), (rows_after, accounts, first_after) = before, after
        found = []
        for external_id in rows_before.keys() | rows_after.keys():
            old, new = rows_before.get(external_id), rows_after.get(external_id)
            if old == new:
                continue
            for state in (old, new):
                if state is not None:
                    _account, created, closed, status, *_ = state
                    # Open at the end of P, or closed in P: the days from created to closed
                    # (either way round: some records close before they were created).
                    if status == Opportunity.Status.OPEN or closed is None:
                        found.append((created, None))
                    else:
                        found.append((min(created, closed), max(created, closed) + _DAY))
        rechannelled = set()
        for account in accounts:
            old, new = first_before.get(account), first_after.get(account)
            if old == new:
                continue
            found += [_day(old[0] if old else None), _day(new[0] if new else None)]
            if (old[1] if old else None) != (new[1] if new else None):
                rechannelled.add(account)
        if rechannelled:
            found += [_onward(day) for day in _first_days(rechannelled, rows_before).values()]
        return found


def _first_won(accounts: set) -> dict:
    """{account id: (close date, source) of its first won deal} for these accounts: one query,
    the engine's own choice of that deal (`batch.first_won_select`, which the kept first won
    deals are filled by), picked in the database."""
    among = Touched(frozenset(accounts), ()).among(ACCOUNT)
    rows = batch.fetch(batch.first_won_select(among("account_id")), [])
    return {account: (closed, channel) for account, closed, channel in rows}


def _first_days(accounts: set, rows_before: dict) -> dict:
    """{account id: a day on or before its first record, before the write and after}: its
    records' first day now, or an imported opportunity's day before the write if earlier. Read
    after the write for the few accounts whose channel changed, not before it for every account
    of the file (half a second for a day's 10,000 opportunities at 1m)."""
    starts = _first_records(accounts)
    for account, created, *_ in rows_before.values():
        if account in accounts:
            starts[account] = min(created, starts.get(account, created))
    return starts


def _first_records(accounts: set) -> dict:
    """{account id: the day of its first opportunity or subscription} (two queries)."""
    starts: dict = {}
    ids = list(accounts)
    for model, field in ((Opportunity, "created_date"), (Subscription, "start_date")):
        found = (
            model.objects.filter(account_id__in=ids)
            .values("account_id")
            .annotate(first=Min(field))
            .values_list("account_id", "first")
        )
        for account, day in found:
            starts[account] = min(day, starts.get(account, day))
    return starts


def _from_first_records(*, accounts=(), owners=()) -> list[Range]:
    """Every period from the first record of these accounts' (or owners') on."""
    starts = []
    for chunk in _chunks(list(accounts)):
        starts += [
            Opportunity.objects.filter(account_id__in=chunk).aggregate(d=Min("created_date"))["d"],
            Subscription.objects.filter(account_id__in=chunk).aggregate(d=Min("start_date"))["d"],
        ]
    for chunk in _chunks(list(owners)):
        starts.append(
            Opportunity.objects.filter(owner__in=chunk).aggregate(d=Min("created_date"))["d"]
        )
    return [_onward(day) for day in starts]


def _changed_rows(before: dict, after: dict):
    """The (old, new) states of each record that changed (None: it did not exist)."""
    for key in before.keys() | after.keys():
        if before.get(key) != after.get(key):
            yield before.get(key), after.get(key)


class _Subscriptions:
    @staticmethod
    def state(staged, before=None):
        found = Subscription.objects.filter(external_id__in=staged("external_id")).values_list(
            "external_id", "start_date", "end_date", "mrr", "account_id"
        )
        return {row[0]: row[1:] for row in found}

    @staticmethod
    def accounts(before, after):
        """The accounts of the subscriptions that changed, old and new."""
        pairs = _changed_rows(before, after)
        return {state[3] for pair in pairs for state in pair if state is not None} - {None}

    @staticmethod
    def changed(before, after):
        starts = [
            state[0] for pair in _changed_rows(before, after) for state in pair if state is not None
        ]
        return [_onward(min(starts))] if starts else []


class _Leads:
    @staticmethod
    def state(staged, before=None):
        found = Lead.objects.filter(external_id__in=staged("external_id")).values_list(
            "external_id", "created_date", "qualified_date", "converted_date", "source"
        )
        return {row[0]: row[1:] for row in found}

    @staticmethod
    def changed(before, after):
        found = []
        for pair in _changed_rows(before, after):
            for state in pair:
                if state is not None:
                    created, _qualified, converted, _source = state
                    found += [_day(created), _day(converted)]
        return found


class _KeyedByDate:
    """Spend and forecasts: the key holds the date, so a row only ever changes its own period."""

    def __init__(self, model, field: str) -> None:
        self.model, self.field = model, field

    def state(self, staged, before=None):
        rows = self.model.objects.filter(**{f"{self.field}__in": staged(self.field)})
        return set(rows.values_list(self.field, flat=True).distinct())

    def changed(self, before, after):
        return [_day(day) for day in after]


class _Accounts:
    @staticmethod
    def state(staged, before=None):
        found = Account.objects.filter(external_id__in=staged("external_id")).values_list(
            "pk", "segment", "industry"
        )
        return {row[0]: row[1:] for row in found}

    @staticmethod
    def accounts(before, after):
        """The accounts whose segment or industry changed (a new one has no records yet)."""
        return {pk for pk in before if before[pk] != after.get(pk)}

    @staticmethod
    def changed(before, after):
        # A new account has no records yet; a new segment or industry is a new cut value.
        moved = [pk for pk in before if before[pk] != after.get(pk)]
        return _from_first_records(accounts=moved)


class _Teams:
    @staticmethod
    def state(staged, before=None):
        return dict(Team.objects.filter(owner__in=staged("owner")).values_list("owner", "team"))

    @staticmethod
    def changed(before, after):
        moved = [owner for owner in after if before.get(owner) != after[owner]]
        return _from_first_records(owners=moved)


_KINDS = {
    "opportunities": _Opportunities,
    "subscriptions": _Subscriptions,
    "leads": _Leads,
    "spend": _KeyedByDate(Spend, "month"),
    "forecasts": _KeyedByDate(Forecast, "period_start"),
    "accounts": _Accounts,
    "teams": _Teams,
}


# --- What a run computes ----------------------------------------------------------------------


def plan(run: MetricRun, periods: Sequence[Period], cuts: Sequence[Cut]):
    """(the run to copy values from, the periods to compute, the run's periods not to copy):
    (None, every period, []) unless every change since the latest succeeded run is known and
    the cut values are the same."""
    base = (
        MetricRun.objects.filter(status=MetricRun.Status.SUCCEEDED, started_at__isnull=False)
        .exclude(pk=run.pk)
        .order_by("-started_at", "-pk")
        .first()
    )
    if base is None:
        return None, list(periods), []
    # Every run not started before the base began was requested for changes it may not hold
    # (failed, or still to come): their changes are recomputed here too.
    pending = MetricRun.objects.filter(
        Q(pk=run.pk) | Q(started_at__isnull=True) | Q(started_at__gt=base.started_at)
    ).values_list("changes", flat=True)
    ranges: list[Range] = []
    for changes in pending:
        if changes is None:
            return None, list(periods), []
        ranges += from_json(changes)
    if _cut_values(base) != {(cut.kind, cut.value) for cut in cuts}:
        return None, list(periods), []
    have = set(base.periods.values_list("period_kind", "period_start", "period_end"))
    ranges = merged(ranges)
    computing = [
        period
        for period in periods
        if (period.kind, period.start, period.end) not in have or overlaps(period, ranges)
    ]
    return base, computing, _not_covered(have, periods)


def _cut_values(run: MetricRun) -> set[tuple[str, str]]:
    """The (kind, value) of every cut the run was computed for, read from one of its value sets:
    each set holds every cut (a run shows another's set only when their cuts are the same), and
    one set's ~750 values read in 1 ms where the DISTINCT over a run's 54,054 took 65 ms at 1m."""
    one_set = run.periods.order_by("value_set_id").values_list("value_set_id", flat=True)[:1]
    values = MetricValue.objects.filter(value_set_id__in=one_set)
    return set(values.values_list("cut_kind", "cut_value").distinct())


def _not_covered(have: set, periods: Sequence[Period]) -> list[Period]:
    """The base run's periods the run no longer covers (the recent weeks moved on)."""
    covered = {(period.kind, period.start, period.end) for period in periods}
    return [Period(start, end, kind) for kind, start, end in have - covered]
