"""The MRR movements kept per account and calendar period (KeptMrrMove) and their sums per period
and cut value (KeptMrrMovement, metrics/calculations/recurring_kept.py): a standard period's
movements read from the sums equal the accounts compared on the timeline (a custom period's
way), after a fill and after an import of each kind, kept current by the accounts it touched."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.calculations import KEPT, batch, kept, recurring
from metrics.calculations.recurring_kept import MOVEMENT_SUMS, MOVES
from metrics.cuts import Cut
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import Account, KeptMrrMovement, Opportunity, Subscription
from metrics.periods import Period, parse

from .factories import make_book

pytestmark = pytest.mark.django_db

# Every kind of standard period over the book's year, and custom ones: a range, and a "month"
# that is not a calendar month (read from the timeline, as a custom period).
PERIODS = [
    *(Period.month(2017, month) for month in range(1, 13)),
    *(Period.quarter(2017, quarter) for quarter in range(1, 5)),
    Period.year(2017),
    *(Period.week(2017, week) for week in range(1, 53, 3)),
    Period(date(2017, 2, 10), date(2017, 7, 20)),
    Period(date(2017, 3, 15), date(2017, 4, 15), "month"),
]
CUTS = [
    Cut(),
    Cut.segment("SMB"),
    Cut.segment("Enterprise"),
    Cut("industry", "Health"),
    Cut("industry", "Retail"),
    Cut.channel("Events"),
    Cut.channel("Referral"),
    Cut.channel("Partners"),
]


def _movements(by_timeline: bool, monkeypatch) -> dict:
    """Every period's and cut's movements, from the kept sums (standard periods) or, every
    period taken as custom, from the accounts compared on the timeline."""
    with monkeypatch.context() as patched:
        if by_timeline:
            patched.setattr(recurring, "_is_calendar", lambda period: False)
        found = recurring.totals(PERIODS, CUTS)
    return {
        (idx, cut): {
            name: found.get((idx, cut), recurring.EMPTY)[name] for name in recurring.TOTALS
        }
        for idx in range(len(PERIODS))
        for cut in CUTS
    }


def _assert_the_timeline_movements(monkeypatch) -> None:
    kept.ensure(*KEPT)
    kept_sums = _movements(False, monkeypatch)
    assert kept_sums == _movements(True, monkeypatch)
    moved = [place for place, sums in kept_sums.items() if sums["new"] or sums["churn"]]
    assert len(moved) > len(PERIODS)  # figures, not zeros everywhere


def _stored_and_fresh(k: kept.Kept) -> tuple[list, list]:
    """The table's rows, and those a whole fill gives (dates as ISO text: SQLite gives text)."""

    def rows(sql: str) -> list[tuple]:
        found = batch.fetch(sql, [])
        return sorted(tuple(str(v) if isinstance(v, date) else v for v in row) for row in found)

    return rows(f"SELECT {', '.join(k.columns)} FROM {k.table}"), rows(k.select())  # noqa: S608


def test_the_kept_sums_give_the_movements_the_timeline_gives(monkeypatch):
    make_book(30)
    _assert_the_timeline_movements(monkeypatch)
    for k in (MOVES, MOVEMENT_SUMS):
        stored, fresh = _stored_and_fresh(k)
        assert stored == fresh and stored, k.table
    # Every calendar period of each kind with a change, not only the periods asked.
    weeks = KeptMrrMovement.objects.filter(period_kind="week", kind="all").count()
    assert weeks > 26


def _subscription_csv(external_id: str, account: str, mrr: str) -> str:
    s = Subscription.objects.get(external_id=external_id)
    end = s.end_date.isoformat() if s.end_date else ""
    return (
        "external_id,account,mrr,start_date,end_date\n"
        f"{external_id},{account},{mrr},{s.start_date.isoformat()},{end}\n"
    )


def _a_first_won_deal() -> Opportunity:
    first = recurring.customers_with_first_won(first_id="id").filter(
        first_id__isnull=False, subscriptions__isnull=False, channel="Events"
    )
    return Opportunity.objects.get(pk=first.order_by("pk").values_list("first_id")[:1])


def _channel_csv() -> str:
    o = _a_first_won_deal()
    return (
        "external_id,account,name,status,created_date,close_date,amount,source\n"
        f"{o.external_id},{o.account.external_id},{o.name},won,{o.created_date.isoformat()},"
        f"{o.close_date.isoformat()},{o.amount or ''},Partners\n"
    )


def _segment_csv() -> str:
    account = Account.objects.filter(segment="SMB", subscriptions__isnull=False).first()
    return f"external_id,name,segment\n{account.external_id},{account.name},Enterprise\n"


IMPORTS = {
    "a subscription's MRR": ("subscriptions", lambda: _subscription_csv("B2-S0", "B2", "4321")),
    "a subscription moved to another account": (
        "subscriptions",
        lambda: _subscription_csv("B2-S0", "B5", "12.5"),
    ),
    "a new subscription": (
        "subscriptions",
        lambda: "external_id,account,mrr,start_date,end_date\nB9-S7,B9,88,2017-04-03,2017-09-09\n",
    ),
    "a first won deal's channel": ("opportunities", _channel_csv),
    "an account's segment": ("accounts", _segment_csv),
}


@pytest.mark.parametrize("kind, csv", IMPORTS.values(), ids=IMPORTS.keys())
def test_an_import_keeps_the_sums_current_by_the_accounts_it_touched(kind, csv, monkeypatch):
    make_book(30)
    kept.ensure(*KEPT)
    before = batch.fetch(f"SELECT * FROM {MOVEMENT_SUMS.table}", [])  # noqa: S608
    outcome = import_records(data=csv().encode(), options=ImportOptions(kind=kind))
    assert outcome.rows_written and not outcome.errors
    with CaptureQueriesContext(connection) as captured:
        kept.ensure(MOVEMENT_SUMS)
    assert len(captured) == 2  # current: the change markers, the stamps; nothing filled
    for k in (MOVES, MOVEMENT_SUMS):
        stored, fresh = _stored_and_fresh(k)
        assert stored == fresh, k.table
    assert batch.fetch(f"SELECT * FROM {MOVEMENT_SUMS.table}", []) != before  # noqa: S608
    _assert_the_timeline_movements(monkeypatch)


def test_a_period_of_a_standard_kind_that_is_not_a_calendar_one_is_custom():
    assert recurring._is_calendar(parse("2017-03"))
    assert recurring._is_calendar(parse("2017-W10"))
    assert not recurring._is_calendar(Period(date(2017, 3, 15), date(2017, 4, 15), "month"))
    assert not recurring._is_calendar(Period(date(2017, 3, 1), date(2017, 4, 1)))
