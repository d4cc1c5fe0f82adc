"""The pipeline's kept events (pipeline.KEPT: KeptPipeline, per cut kind, value and day): filled
on first use, left alone while nothing they derive from is written (the teams are not: the
team cut joins them to the owners' rows when read), filled again after a write to the
opportunities or the accounts, and the figures they give are the definitions' (the drill-downs'
ORM record sets) for any period and cut, on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import catalog
from metrics.calculations import (
    batch,
    closed_in,
    compute_many,
    kept,
    open_at_end,
    opportunities_for,
    owners,
    pipeline,
)
from metrics.cuts import Cut
from metrics.models import Account, KeptPipeline, Opportunity, Team
from metrics.periods import Period

from .factories import OpportunityFactory, SpendFactory, make_book

pytestmark = pytest.mark.django_db

JUNE = Period.month(2017, 6)
PERIODS = [
    *(Period.month(2017, month) for month in range(1, 13)),
    Period.quarter(2017, 2),
    Period.year(2017),
    Period.year(2018),
    Period(date(2017, 3, 15), date(2017, 9, 2)),  # a custom range
    Period(date(2016, 12, 26), date(2017, 1, 2)),  # a week across the first deals
]


def _cents(amounts) -> int:
    return sum(round(amount * 100) for amount in amounts if amount is not None)


def _defined(period: Period, cut: Cut) -> dict:
    """The pipeline totals as the drill-downs' record sets define them."""
    deals = opportunities_for(cut)
    closed = deals.filter(closed_in(period))
    won, lost = closed.filter(status="won"), closed.filter(status="lost")
    open_deals = deals.filter(open_at_end(period))
    return {
        "won_count": won.count(),
        "lost_count": lost.count(),
        "won_cents": _cents(won.values_list("amount", flat=True)),
        "cycle_days": sum((d.close_date - d.created_date).days for d in won),
        "open_count": open_deals.count(),
        "open_cents": _cents(open_deals.values_list("amount", flat=True)),
        "renewal_won": won.filter(type="renewal").count(),
        "renewal_lost": lost.filter(type="renewal").count(),
        "renewal_won_cents": _cents(won.filter(type="renewal").values_list("amount", flat=True)),
        "renewal_lost_cents": _cents(lost.filter(type="renewal").values_list("amount", flat=True)),
    }


def _every_cut() -> list[Cut]:
    return [
        Cut(),
        *(Cut(catalog.SEGMENT, v) for v in ["SMB", "Enterprise"]),
        *(Cut(catalog.INDUSTRY, v) for v in ["Health", "Retail"]),
        *(Cut(catalog.OWNER, v) for v in ["Ana", "Bo", "Cy"]),
        *(Cut(catalog.TEAM, v) for v in ["East", "West"]),
    ]


def _totals(periods: list[Period], cuts: list[Cut]) -> dict:
    kept.ensure(pipeline.KEPT)
    found = pipeline.totals(periods, cuts)
    return {
        (period, cut): {
            name: int(number) for name, number in found.get((i, cut), pipeline.EMPTY).items()
        }
        for i, period in enumerate(periods)
        for cut in cuts
    }


def _fills(work) -> int:
    """How many times the pipeline's kept rows were emptied to be filled again while `work`
    ran."""
    with CaptureQueriesContext(connection) as captured:
        work()
    statements = [q["sql"] for q in captured.captured_queries]
    return sum(sql.startswith("DELETE FROM") and pipeline.KEPT.table in sql for sql in statements)


def _kept_rows() -> list[tuple]:
    return sorted(KeptPipeline.objects.values_list(*pipeline.KEPT.columns))


def _selected_rows() -> list[tuple]:
    """What a fill would write now, its dates as dates (SQLite gives them as text)."""
    rows = batch.fetch(pipeline.KEPT.select(), [])
    return sorted(
        (kind, value, date.fromisoformat(str(day)), *numbers) for kind, value, day, *numbers in rows
    )


@pytest.fixture
def book():
    make_book(30)  # Ana in East, Bo in West
    Team.objects.create(owner="Cy", team="West")


def test_the_totals_are_the_definitions_for_every_period_and_cut(book):
    cuts = _every_cut()
    found = _totals(PERIODS, cuts)
    assert found == {(period, cut): _defined(period, cut) for period in PERIODS for cut in cuts}
    assert found[JUNE, Cut()]["won_count"] and found[JUNE, Cut(catalog.TEAM, "West")]["open_count"]


def test_filled_on_first_use_then_left_alone_until_a_source_is_written(book):
    assert not KeptPipeline.objects.exists()
    assert _fills(lambda: compute_many([JUNE], _every_cut())) == 1
    assert _kept_rows() == _selected_rows() and _kept_rows()

    with CaptureQueriesContext(connection) as captured:
        kept.ensure(pipeline.KEPT)
    assert len(captured) == 2  # the change markers, the stamps

    SpendFactory()
    Team.objects.filter(owner="Cy").update(team="East")  # read with the owners' rows
    assert _fills(lambda: compute_many([JUNE], _every_cut())) == 0


def _move_an_account_to_enterprise() -> None:
    moved = Account.objects.filter(segment="SMB", opportunities__status="won").first()
    moved.segment = "Enterprise"
    moved.save()


@pytest.mark.parametrize(
    "write",
    [
        lambda: OpportunityFactory(status="won", created_date=date(2017, 5, 2), owner="Bo"),
        lambda: Opportunity.objects.filter(status="open").update(
            status="lost", close_date=JUNE.start
        ),
        lambda: Opportunity.objects.filter(owner="Ana").delete(),
        lambda: Opportunity.objects.filter(owner="Cy").update(owner="Dee"),
        _move_an_account_to_enterprise,
        lambda: Account.objects.filter(industry="Health").update(industry="Retail"),
    ],
    ids=["new deal", "deals closed", "deals deleted", "owner", "segment", "industry"],
)
def test_a_write_to_a_source_fills_it_again_with_the_definitions_figures(book, write):
    cuts = _every_cut() + [Cut(catalog.OWNER, "Dee")]
    before = _totals(PERIODS, cuts)
    kept_before = _kept_rows()
    write()
    assert _fills(lambda: kept.ensure(pipeline.KEPT)) == 1
    assert _kept_rows() == _selected_rows() != kept_before
    after = _totals(PERIODS, cuts)
    assert after != before
    assert after == {(period, cut): _defined(period, cut) for period in PERIODS for cut in cuts}


def test_an_accounts_segment_change_moves_its_deals_between_the_segment_cuts(book):
    smb, enterprise = Cut(catalog.SEGMENT, "SMB"), Cut(catalog.SEGMENT, "Enterprise")
    year = Period.year(2017)
    before = _totals([year], [smb, enterprise])
    moved = Account.objects.filter(segment="SMB", opportunities__status="won").first()
    won = Opportunity.objects.filter(account=moved, status="won").count()
    moved.segment = "Enterprise"
    moved.save()
    after = _totals([year], [smb, enterprise])
    assert after[year, smb]["won_count"] == before[year, smb]["won_count"] - won
    assert after[year, enterprise]["won_count"] == before[year, enterprise]["won_count"] + won


def test_a_team_change_moves_the_owners_figures_without_a_fill(book):
    east, west = Cut(catalog.TEAM, "East"), Cut(catalog.TEAM, "West")
    before = _totals([JUNE], [east, west])
    Team.objects.filter(owner="Cy").update(team="East")
    assert _fills(lambda: kept.ensure(pipeline.KEPT)) == 0
    after = _totals([JUNE], [east, west])
    assert after[JUNE, east] == _defined(JUNE, east) != before[JUNE, east]
    assert after[JUNE, west] == _defined(JUNE, west) != before[JUNE, west]


def test_the_owners_are_the_opportunities_and_follow_them(book):
    assert owners() == ["Ana", "Bo", "Cy"]  # not "": an opportunity without an owner
    OpportunityFactory(owner="Dee", created_date=date(2017, 1, 1) - timedelta(days=400))
    assert owners() == ["Ana", "Bo", "Cy", "Dee"]
    Opportunity.objects.filter(owner="Ana").delete()
    assert owners() == ["Bo", "Cy", "Dee"]
