"""The recurring revenue family's kept tables (metrics/calculations/recurring.py): each account's
MRR timeline (KeptAccountMrr, from the subscriptions) and its changes summed per day and cut
value (KeptMrrBalance, from the subscriptions, the accounts' segments and industries and their
first won deals' channels). Filled on first use, left alone while none of their sources is
written, filled again after a write to each source, and the figures always the definitions'."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.calculations import KEPT, accounts_for, batch, compute_many, kept, recurring
from metrics.cuts import Cut
from metrics.models import Account, Opportunity, Subscription
from metrics.periods import Period, parse

from .factories import SpendFactory, SubscriptionFactory, make_book

pytestmark = pytest.mark.django_db

PERIODS = [parse("2017-03"), parse("2017-06"), parse("2017-Q3"), parse("2017")]
CUTS = [
    Cut(),
    Cut.segment("SMB"),
    Cut.segment("Enterprise"),
    Cut("industry", "Health"),
    Cut.channel("Events"),
    Cut.channel("Referral"),
    Cut.channel("Partners"),
]
MINE = {recurring.TIMELINE.table, recurring.DAILY_BALANCES.table}
FIGURES = {
    "opening_mrr": "opening",
    "mrr": "closing",
    "opening_customers": "opening_customers",
    "customers": "customers",
    "new_mrr": "new",
    "reactivation_mrr": "reactivation",
    "expansion_mrr": "expansion",
    "contraction_mrr": "contraction",
    "churned_mrr": "churn",
    "churned_customers": "churned_customers",
}


def _filled(work) -> set[str]:
    """The kept tables emptied to be filled again while `work` ran."""
    with CaptureQueriesContext(connection) as captured:
        work()
    return {
        q["sql"].split()[2] for q in captured.captured_queries if q["sql"].startswith("DELETE FROM")
    }


def _as_text(rows: list[tuple]) -> list[tuple]:
    # SQLite gives a date its SQL computed as text, and one read from a date column as a date.
    return sorted(tuple(str(value) for value in row) for row in rows)


def _rows(table: kept.Kept) -> list[tuple]:
    columns = ", ".join(table.columns)
    return _as_text(batch.fetch(f"SELECT {columns} FROM {table.table}", []))  # noqa: S608


def _select_rows(table: kept.Kept) -> list[tuple]:
    return _as_text(batch.fetch(table.select(), []))


def _reference(period: Period, cut: Cut) -> dict:
    """The definitions (docs/metrics.md), account by account, from the records as they are
    (the drill-downs' `accounts_for`: the channel its own subquery of the first won deal)."""
    found = dict.fromkeys(FIGURES.values(), Decimal(0))
    accounts = accounts_for(cut).order_by().prefetch_related("subscriptions")
    for account in accounts:
        subscriptions = list(account.subscriptions.all())

        def mrr_on(day, subscriptions=subscriptions):
            return sum(
                (
                    s.mrr
                    for s in subscriptions
                    if s.start_date <= day and (s.end_date is None or day < s.end_date)
                ),
                Decimal(0),
            )

        o, c = mrr_on(period.day_before), mrr_on(period.last_day)
        found["opening"] += o
        found["closing"] += c
        found["opening_customers"] += o > 0
        found["customers"] += c > 0
        if o == 0 and c > 0:
            before = any(s.start_date < period.start for s in subscriptions)
            found["reactivation" if before else "new"] += c
        elif 0 < o < c:
            found["expansion"] += c - o
        elif 0 < c < o:
            found["contraction"] += o - c
        elif o > 0 and c == 0:
            found["churn"] += o
            found["churned_customers"] += 1
    return found


def _assert_the_definitions_figures() -> None:
    figures = compute_many(PERIODS, CUTS)
    for period in PERIODS:
        for cut in CUTS:
            got = {key: figures[period, cut][key].value for key in FIGURES}
            expected = {key: _reference(period, cut)[name] for key, name in FIGURES.items()}
            assert got == expected, (period, cut)


def test_filled_on_first_use_then_left_alone_until_a_source_is_written():
    make_book(20)
    assert _filled(lambda: compute_many(PERIODS[:1], [Cut()])) >= MINE
    for table in recurring.KEPT:
        assert _rows(table) == _select_rows(table) != []
    # Kept days of change, not collapsed to the periods asked: every subscription's start and
    # end (one row per account and day).
    starts = Subscription.objects.values_list("account_id", "start_date").distinct().count()
    assert len(_rows(recurring.TIMELINE)) >= starts

    with CaptureQueriesContext(connection) as captured:
        kept.ensure(*KEPT)
    assert len(captured) == 2  # the change markers, the stamps: nothing filled
    SpendFactory()  # not a source of theirs
    assert _filled(lambda: compute_many(PERIODS, CUTS)) == set()
    _assert_the_definitions_figures()


def _move_an_account_with_mrr(segment_from: str, segment_to: str) -> None:
    account = (
        Account.objects.filter(segment=segment_from, subscriptions__end_date__isnull=True)
        .order_by("pk")
        .first()
    )
    Account.objects.filter(pk=account.pk).update(segment=segment_to)


def _raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize(
    ("write", "filled"),
    [
        (
            lambda: SubscriptionFactory(
                account=Account.objects.order_by("pk").first(),
                mrr=Decimal("123.45"),
                start_date=date(2017, 6, 10),
            ),
            MINE,
        ),
        (lambda: _raw("UPDATE metrics_subscription SET mrr = mrr + 1.01"), MINE),
        (lambda: Subscription.objects.filter(end_date__isnull=True).delete(), MINE),
        # The timeline is the subscriptions' alone: an account moving to another segment moves
        # its days between the balances' cut values, and the movements read the account as it is.
        (lambda: _move_an_account_with_mrr("SMB", "Enterprise"), {recurring.DAILY_BALANCES.table}),
        (lambda: Account.objects.update(industry="Health"), {recurring.DAILY_BALANCES.table}),
        (
            lambda: Opportunity.objects.filter(status="won").update(source="Partners"),
            {recurring.DAILY_BALANCES.table, kept.FIRST_WON.table},
        ),
    ],
    ids=[
        "subscription saved",
        "subscriptions raw SQL",
        "subscriptions deleted",
        "segment",
        "industry",
        "channel",
    ],
)
def test_a_write_to_each_source_fills_again_what_derives_from_it(write, filled):
    make_book(20)
    before = compute_many(PERIODS, CUTS)
    write()
    assert _filled(lambda: kept.ensure(*KEPT)) & (MINE | {kept.FIRST_WON.table}) == filled
    for table in recurring.KEPT:
        assert _rows(table) == _select_rows(table)
    assert compute_many(PERIODS, CUTS) != before
    _assert_the_definitions_figures()


def test_an_account_changing_segment_moves_its_mrr_between_the_cuts():
    make_book(20)
    smb, enterprise = Cut.segment("SMB"), Cut.segment("Enterprise")
    june = parse("2017-06")
    before = compute_many([june], [smb, enterprise])
    account = (
        Account.objects.filter(
            segment="SMB",
            subscriptions__start_date__lt=june.start,
            subscriptions__end_date__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    mrr = sum(
        s.mrr
        for s in account.subscriptions.all()
        if s.start_date <= june.last_day and (s.end_date is None or s.end_date > june.last_day)
    )
    assert mrr > 0
    Account.objects.filter(pk=account.pk).update(segment="Enterprise")
    after = compute_many([june], [smb, enterprise])
    assert after[june, smb]["mrr"].value == before[june, smb]["mrr"].value - mrr
    assert after[june, enterprise]["mrr"].value == before[june, enterprise]["mrr"].value + mrr
    assert after[june, smb]["customers"].value == before[june, smb]["customers"].value - 1


def test_every_source_written_at_once_fills_the_balances_from_the_fresh_timeline():
    """The balances are filled from the kept timeline and first won deals, which kept.ensure
    fills before them when all three are stale."""
    make_book(20)
    compute_many(PERIODS, CUTS)
    SubscriptionFactory(
        account=Account.objects.order_by("pk").first(),
        mrr=Decimal(999),
        start_date=date(2017, 2, 1),
    )
    Opportunity.objects.filter(status="won").update(source="Referral")
    _move_an_account_with_mrr("Enterprise", "SMB")
    assert _filled(lambda: kept.ensure(*KEPT)) >= MINE | {kept.FIRST_WON.table}
    _assert_the_definitions_figures()
