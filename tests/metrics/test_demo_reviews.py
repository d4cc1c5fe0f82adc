"""The demo's weekly review data: teams for its owners, targets that show red, amber and green,
two past reviews with decisions and action items (one carried forward); idempotent."""

from datetime import date

import pytest
from django.contrib.auth.models import User

from metrics import catalog, pages, reviews
from metrics.cuts import Cut
from metrics.demo import (
    DEMO_TEAMS,
    OWNERS,
    TARGET_PLACES,
    TEAM_TARGET_PLACES,
    demo_targets,
    seed_demo_crm,
    seed_demo_reviews,
    seed_demo_targets,
    seed_demo_teams,
)
from metrics.models import ActionItem, Decision, MetricTarget, MetricValue, Team, WeeklyReview
from metrics.periods import Period, last_complete
from metrics.services import compute_now

TODAY = date(2026, 3, 15)


@pytest.fixture
def demo(db):
    """The demo seeded, computed (the slow part: one test holds every check), reviewed."""
    seed_demo_crm(today=TODAY)
    seed_demo_teams()
    run = compute_now(trigger="command")
    people = {
        name: User.objects.create_user(name, f"{name}@example.com", "x" * 16)
        for name in ("manager", "sales", "marketing")
    }
    seed_demo_targets(run, today=TODAY)
    seeded = seed_demo_reviews(
        run=run,
        chair=people["manager"],
        sales=people["sales"],
        marketing=people["marketing"],
        today=TODAY,
    )
    return {"run": run, "people": people, "seeded": seeded}


pytestmark = pytest.mark.django_db


def check_every_owner_but_the_revops_manager_is_on_a_team(demo):
    assert dict(Team.objects.values_list("owner", "team")) == DEMO_TEAMS
    assert set(OWNERS) - set(DEMO_TEAMS) == {"Dana Kowalski"}
    stored_teams = set(
        MetricValue.objects.of_run(demo["run"])
        .filter(cut_kind="team")
        .values_list("cut_value", flat=True)
    )
    assert stored_teams == {"New Business", "Expansion"}
    month = last_complete("month", TODAY)
    view = pages.team_view(run=demo["run"], period=month)
    assert [row.team for row in view.rows] == ["Expansion", "New Business"]
    win_rate = [d.key for d in view.definitions].index("win_rate")
    assert all(row.figures[win_rate].value is not None for row in view.rows)


def _places(period_kind: str, cut: Cut) -> dict[str, str]:
    """The demo's targets that apply to a period kind and cut, and where they sit."""
    places = {}
    for target in sorted(demo_targets(), key=lambda t: t.period_kind == period_kind):
        if target.cut == cut and target.period_kind in ("", period_kind):
            places[target.key] = target.place  # the period kind's own wins over "any"
    return places


def check_the_targets_show_red_amber_and_green_on_the_scorecard(demo):
    month = last_complete("month", TODAY)
    card = pages.scorecard(run=demo["run"], period=month, cut=Cut())
    rows = card.rows + card.funnel_rows
    statuses = {row.definition.key: row.status for row in rows if row.status}
    assert set(statuses.values()) == {"red", "amber", "green"}
    expected = _places("month", Cut())
    assert statuses == {key: place for key, place in expected.items() if key in statuses}
    # The flows' month targets show: new MRR on the headline row, leads on the funnel row.
    assert statuses["new_mrr"] == "amber" and statuses["leads_created"] == "green"
    assert all(catalog.BY_KEY[key].higher_is_better is not None for key in TARGET_PLACES)
    # The quarter's new MRR target is its own, not the month's.
    quarter = last_complete("quarter", TODAY)
    quarter_card = pages.scorecard(run=demo["run"], period=quarter, cut=Cut())
    new_mrr = next(row for row in quarter_card.rows if row.definition.key == "new_mrr")
    assert new_mrr.status == "green" and new_mrr.target.period_kind == "quarter"


def check_the_teams_targets_show_on_the_team_cut_and_the_by_team_table(demo):
    month = last_complete("month", TODAY)
    for (key, team), place in TEAM_TARGET_PLACES.items():
        card = pages.scorecard(run=demo["run"], period=month, cut=Cut("team", team))
        row = next(row for row in card.rows if row.definition.key == key)
        assert row.status == place, (key, team)
    view = pages.team_view(run=demo["run"], period=month)
    column = pages.TEAM_VIEW_KEYS.index("win_rate")
    assert {row.team: row.statuses[column] for row in view.rows} == {
        "New Business": "green",
        "Expansion": "red",
    }


def check_two_past_reviews_with_decisions_and_a_carried_item(demo):
    assert demo["seeded"] == 2
    first, second = WeeklyReview.objects.order_by("week")
    assert first.run == second.run == demo["run"]
    # The demo's records end with February 2026: the last two whole weeks in it.
    assert (first.week, second.week) == (Period.week(2026, 7).code(), Period.week(2026, 8).code())
    assert first.decisions.count() == 2 and second.decisions.count() == 1
    assert first.notes and second.notes
    sales = demo["people"]["sales"]
    carried = reviews.review_page(second).carried
    assert [item.owner.username for item in carried] == ["marketing"]
    assert ActionItem.objects.filter(owner=sales, status="done").count() == 1
    assert ActionItem.objects.filter(status="open").count() == 2
    page = reviews.review_page(second)
    assert page.week_card.has_values and page.month_card.has_values


def check_seeding_the_reviews_again_adds_nothing(demo):
    before = (Decision.objects.count(), ActionItem.objects.count(), WeeklyReview.objects.count())
    again = seed_demo_reviews(
        run=demo["run"],
        chair=demo["people"]["manager"],
        sales=demo["people"]["sales"],
        marketing=demo["people"]["marketing"],
        today=TODAY,
    )
    assert again == 0
    assert (Decision.objects.count(), ActionItem.objects.count(), WeeklyReview.objects.count()) == (
        before
    )
    targets = sorted(MetricTarget.objects.values_list("key", "cut_value", "period_kind", "value"))
    assert len(targets) == len(demo_targets())
    seed_demo_targets(demo["run"], today=TODAY)
    assert sorted(MetricTarget.objects.values_list("key", "cut_value", "period_kind", "value")) == (
        targets
    )


def test_the_demo_has_teams_targets_and_two_past_reviews(demo):
    """One test over one computed demo (each check is a function above)."""
    check_every_owner_but_the_revops_manager_is_on_a_team(demo)
    check_the_targets_show_red_amber_and_green_on_the_scorecard(demo)
    check_the_teams_targets_show_on_the_team_cut_and_the_by_team_table(demo)
    check_two_past_reviews_with_decisions_and_a_carried_item(demo)
    check_seeding_the_reviews_again_adds_nothing(demo)
