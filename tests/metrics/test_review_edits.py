"""Weekly reviews, continued: editing and deleting decisions and action items (recorded),
opening past weeks, the bounded owner picker, the scorecard's "by team" view and the links
to the reviews."""

from datetime import date
from decimal import Decimal

import pytest

from metrics import reviews
from metrics.models import ActionItem, Decision, ReviewChange, WeeklyReview
from metrics.periods import Period
from tests.metrics.dashboard_support import make_persona, make_user, store_figures
from tests.metrics.factories import MetricRunFactory
from tests.metrics.test_reviews import W47, W48, W49, logged_in, run_with_arr
from tests.portal.query_budgets import assert_within_budget, page_queries

pytestmark = pytest.mark.django_db

BASE = f"/reviews/{W48.code()}/"
SCORECARD_BY_TEAM = "/metrics/?period=2026-W48"  # its query budget: tests/portal/query_budgets.py
REVIEW_LIST = "/reviews/"  # its query budget: tests/portal/query_budgets.py


@pytest.fixture
def manager():
    return make_persona("manager")


@pytest.fixture
def review(manager):
    run_with_arr(1000, minutes_ago=10)
    return reviews.open_review(week=W48, by=manager)


def changes_since(count: int) -> list[str]:
    return [c.what for c in ReviewChange.objects.order_by("pk")][count:]


def test_a_decision_is_edited_and_deleted_and_both_are_recorded(review, manager):
    decision = reviews.add_decision(review=review, text="Hire one SDR", by=manager)
    before = ReviewChange.objects.count()
    client = logged_in(manager)
    url = BASE + f"decisions/{decision.pk}/"
    assert client.post(url, {"text": "Hire two SDRs"}).status_code == 302
    decision.refresh_from_db()
    assert decision.text == "Hire two SDRs"
    assert client.post(url + "delete/").status_code == 302
    assert not Decision.objects.exists()
    assert changes_since(before) == [
        "Edited a decision: Hire one SDR → Hire two SDRs",
        "Deleted a decision: Hire two SDRs",
    ]
    assert all(c.user == manager for c in ReviewChange.objects.all()[:2])


def test_an_action_item_is_edited_reopened_and_deleted(review, manager):
    owner, other = make_user("sales", first_name="Priya"), make_user("marketing")
    item = reviews.add_action_item(
        review=review, text="Call", owner=owner, due_date=date(2026, 12, 4), by=manager
    )
    reviews.mark_done(review=review, item=item, by=manager)
    before = ReviewChange.objects.count()
    client = logged_in(manager)
    data = {"text": "Call back", "owner": other.pk, "due_date": "2026-12-11", "status": "open"}
    r = client.post(BASE + f"items/{item.pk}/", data)
    assert r.status_code == 302, r.content.decode().split("<main")[-1][:600]
    item.refresh_from_db()
    assert (item.text, item.owner, item.due_date) == ("Call back", other, date(2026, 12, 11))
    assert item.status == "open" and item.done_at is None
    assert client.post(BASE + f"items/{item.pk}/delete/").status_code == 302
    assert not ActionItem.objects.exists()
    assert changes_since(before) == [
        "Edited an action item (marketing, due 2026-12-11, Open): Call back",
        "Deleted an action item: Call back",
    ]


def test_a_carried_item_is_edited_from_a_later_review_but_not_an_earlier_one(review, manager):
    item = reviews.add_action_item(
        review=review, text="Call", owner=manager, due_date=date(2026, 12, 4), by=manager
    )
    later = reviews.open_review(week=W49, by=manager)
    earlier = reviews.open_review(week=W47, by=manager)
    client = logged_in(manager)
    data = {"text": "Call today", "owner": manager.pk, "due_date": "2026-12-04", "status": "done"}
    assert client.post(f"/reviews/{earlier.week}/items/{item.pk}/", data).status_code == 400
    assert client.post(f"/reviews/{later.week}/items/{item.pk}/", data).status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    assert ReviewChange.objects.filter(review=later, what__startswith="Edited an action").exists()


def test_a_decision_of_another_week_is_not_edited_here(review, manager):
    other = reviews.open_review(week=W47, by=manager)
    decision = reviews.add_decision(review=other, text="Keep prices", by=manager)
    client = logged_in(manager)
    assert client.post(BASE + f"decisions/{decision.pk}/", {"text": "x"}).status_code == 400
    assert client.post(BASE + f"decisions/{decision.pk}/delete/").status_code == 400
    assert client.post(BASE + "decisions/999999/", {"text": "x"}).status_code == 404
    decision.refresh_from_db()
    assert decision.text == "Keep prices"


@pytest.mark.parametrize(
    "data",
    [
        {"text": "", "due_date": "2026-12-04", "status": "open"},
        {"text": "x", "due_date": "2026-13-04", "status": "open"},
        {"text": "x", "due_date": "2026-12-04", "status": "maybe"},
        {"text": "x", "due_date": "2026-12-04", "status": "open", "owner": "abc"},
        {"text": "x", "due_date": "2026-12-04", "status": "open", "owner": "9" * 40},
    ],
)
def test_bad_edits_answer_400_and_change_nothing(review, manager, data):
    item = reviews.add_action_item(
        review=review, text="Call", owner=manager, due_date=date(2026, 12, 4), by=manager
    )
    data = {"owner": str(manager.pk), **data}
    assert logged_in(manager).post(BASE + f"items/{item.pk}/", data).status_code == 400
    item.refresh_from_db()
    assert (item.text, item.status, item.due_date) == ("Call", "open", date(2026, 12, 4))


def test_a_reader_can_neither_edit_nor_delete(review, manager):
    decision = reviews.add_decision(review=review, text="Keep prices", by=manager)
    item = reviews.add_action_item(
        review=review, text="Call", owner=manager, due_date=date(2026, 12, 4), by=manager
    )
    client = logged_in(make_persona("reader"))
    page = client.get(BASE).content.decode()
    assert "Save the decision" not in page and "Delete the action item" not in page
    item_data = {"text": "x", "owner": manager.pk, "due_date": "2026-12-04", "status": "done"}
    for url, data in [
        (BASE + f"decisions/{decision.pk}/", {"text": "x"}),
        (BASE + f"decisions/{decision.pk}/delete/", {}),
        (BASE + f"items/{item.pk}/", item_data),
        (BASE + f"items/{item.pk}/delete/", {}),
        ("/reviews/open/", {"week": W47.code()}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Decision.objects.get().text == "Keep prices"
    assert ActionItem.objects.get().status == "open"
    assert WeeklyReview.objects.count() == 1


def test_a_past_week_is_opened_and_the_reviews_link_to_each_other(review, manager):
    client = logged_in(manager)
    response = client.post("/reviews/open/", {"week": W47.code()})
    assert response.status_code == 302 and response["Location"] == f"/reviews/{W47.code()}/"
    assert WeeklyReview.objects.filter(week=W47.code()).exists()
    page = client.get(f"/reviews/{W47.code()}/")
    assert page.context["page"].previous_week is None
    assert page.context["page"].next_week == W48.code()
    assert f'href="/reviews/{W48.code()}/"' in page.content.decode()
    assert client.get(BASE).context["page"].previous_week == W47.code()


@pytest.mark.parametrize("week", ["2099-W01", "junk", "2026-11"])
def test_a_future_or_bad_week_is_not_opened(manager, week):
    run_with_arr(1000)
    response = logged_in(manager).post("/reviews/open/", {"week": week})
    assert response.status_code == 400
    assert not WeeklyReview.objects.exists()


def test_the_owner_picker_lists_active_users_and_is_bounded(review, manager, monkeypatch):
    make_user("gone", is_active=False)
    for n in range(5):
        make_user(f"rep{n}")
    monkeypatch.setattr(reviews, "MAX_OWNER_CHOICES", 3)
    owners = logged_in(manager).get(BASE).context["owners"]
    assert len(owners) == 3 and all(o.is_active for o in owners)
    gone = make_user("gone2", is_active=False)
    data = {"text": "x", "owner": gone.pk, "due_date": "2026-12-04"}
    assert logged_in(manager).post(BASE + "items/", data).status_code == 400


def _weeks(count: int) -> list[Period]:
    weeks = [Period.week(2025, 1)]
    while len(weeks) < count:
        weeks.append(weeks[-1].next())
    return weeks


def test_the_list_costs_the_same_queries_for_3_or_30_reviews_on_any_page(manager):
    run_with_arr(1000)
    client = logged_in(manager)
    weeks = _weeks(30)
    for week in weeks[:3]:
        reviews.open_review(week=week, by=manager)
    small = page_queries(client, REVIEW_LIST)
    for week in weeks[3:]:
        reviews.open_review(week=week, by=make_user(f"opener-{week.code()}"))
    large = page_queries(client, REVIEW_LIST)
    older = page_queries(client, f"{REVIEW_LIST}?before={weeks[4].code()}")
    assert small == large == older
    assert_within_budget(REVIEW_LIST, large)


def test_the_list_pages_newest_first_through_every_review(manager, monkeypatch):
    run_with_arr(1000)
    client = logged_in(manager)
    weeks = _weeks(7)
    for week in weeks:
        reviews.open_review(week=week, by=manager)
    monkeypatch.setattr(reviews, "REVIEWS_PER_PAGE", 3)

    listed, url = [], REVIEW_LIST
    for _ in range(5):
        response = client.get(url)
        assert response.status_code == 200
        listed.append([r.week for r in response.context["reviews"]])
        older = response.context["older_than"]
        if older is None:
            break
        url = f"{REVIEW_LIST}?before={older}"
        assert f'href="{url}"' in response.content.decode()
    codes = [w.code() for w in reversed(weeks)]
    assert listed == [codes[:3], codes[3:6], codes[6:]]


@pytest.mark.parametrize("before", ["2025-13", "W05", "2025-W99", "x" * 40])
def test_a_bad_page_cursor_answers_400(manager, before):
    assert logged_in(manager).get(REVIEW_LIST, {"before": before}).status_code == 400


def test_a_sales_user_without_staff_rights_is_offered_and_given_an_action_item(review, manager):
    sales = make_user("sales-rep")  # not is_staff: no admin, but a member of staff all the same
    assert not sales.is_staff
    client = logged_in(manager)
    assert sales in client.get(BASE).context["owners"]
    data = {"text": "Call Acme", "owner": sales.pk, "due_date": "2026-12-04"}
    assert client.post(BASE + "items/", data).status_code == 302
    assert ActionItem.objects.get(text="Call Acme").owner == sales


def test_the_playbook_success_metrics_section_links_to_the_reviews(manager):
    page = logged_in(manager).get("/playbook/success-metrics/").content.decode()
    assert 'href="/reviews/"' in page


# --- The scorecard's "by team" view -----------------------------------------------------------


def run_with_teams(teams: int):
    run = MetricRunFactory()
    store_figures(run, keys=["win_rate", "won_amount"], periods=[W48])
    for n in range(teams):
        store_figures(
            run,
            keys=["win_rate", "won_amount", "pipeline_velocity"],
            periods=[W48],
            cut_kind="team",
            cut_value=f"Team {n:02d}",
            value=lambda key, i, n=n: Decimal("0.25") if key == "win_rate" else Decimal(1000 * n),
        )
    return run


def test_the_scorecard_shows_each_teams_pipeline_and_links_to_its_cut(manager):
    run_with_teams(2)
    response = logged_in(manager).get(SCORECARD_BY_TEAM)
    view = response.context["team_view"]
    assert [row.team for row in view.rows] == ["Team 00", "Team 01"]
    keys = [d.key for d in view.definitions]
    team01 = view.rows[1]
    assert team01.figures[keys.index("won_amount")].value == Decimal(1000)
    assert team01.figures[keys.index("win_rate")].value == Decimal("0.25")
    assert team01.figures[keys.index("avg_deal_size")].missing_reason  # not stored: a reason
    assert team01.url == "/metrics/?period=2026-W48&team=Team+01"
    html = response.content.decode()
    assert (
        "Pipeline by team" in html and 'href="/metrics/?period=2026-W48&amp;team=Team+01"' in html
    )
    team_page = logged_in(manager).get(team01.url)
    assert team_page.context["team_view"] is None  # a cut shows that cut, not the teams
    assert team_page.context["card"].cut.value == "Team 01"


def test_the_by_team_view_costs_the_same_queries_for_2_or_30_teams(manager):
    client = logged_in(manager)
    run_with_teams(2)
    small = page_queries(client, SCORECARD_BY_TEAM)
    run_with_teams(30)  # a newer run with more teams
    large = page_queries(client, SCORECARD_BY_TEAM)
    # The page is kept per run after its first reader: count the rows it shows.
    assert client.get(SCORECARD_BY_TEAM).content.decode().count("<tr data-team=") == 30
    assert small == large
    assert_within_budget(SCORECARD_BY_TEAM, large)


def test_a_week_in_two_years_opens_with_its_month(manager):
    run_with_arr(1000, weeks=(Period.week(2026, 53),))
    assert reviews.week_to_open(None, today=date(2027, 1, 4)) == Period.week(2027, 1)
    week = reviews.week_to_open(Period.week(2026, 53), today=date(2027, 1, 4))
    review = reviews.open_review(week=week, by=manager)
    page = reviews.review_page(review)
    assert page.month == Period.month(2027, 1)  # the week ends on Sun 3 Jan 2027
