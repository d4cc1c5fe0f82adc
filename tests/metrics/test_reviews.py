"""The weekly revenue review (metrics/reviews.py, /reviews/): frozen figures, carried-forward
action items, who may edit, the change record, bad week codes and bounded queries."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from metrics import permissions, reviews
from metrics.models import ActionItem, Decision, MetricValue, ReviewChange, WeeklyReview
from metrics.periods import MONTH, Period
from metrics.services import compute_now, prune_old_runs
from playbook.permissions import CHAMPIONS_GROUP
from tests.metrics.dashboard_support import make_persona, make_user, store_figures
from tests.metrics.factories import AccountFactory, MetricRunFactory, SubscriptionFactory
from tests.portal.query_budgets import assert_within_budget, page_queries

pytestmark = pytest.mark.django_db

W47, W48, W49 = Period.week(2026, 47), Period.week(2026, 48), Period.week(2026, 49)
REVIEW_PAGE = "/reviews/2026-W48/"  # its query budget: tests/portal/query_budgets.py


def run_with_arr(arr: int, *, weeks=(W47, W48, W49), minutes_ago: int = 0):
    run = MetricRunFactory(finished_at=timezone.now() - timedelta(minutes=minutes_ago))
    periods = [*weeks, Period.containing(W48.last_day, MONTH)]
    for period in periods:
        store_figures(run, keys=["arr"], periods=[period], value=lambda key, i: Decimal(arr))
    return run


def arr_on(card) -> Decimal:
    return next(row.figure.value for row in card.rows if row.definition.key == "arr")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager():
    return make_persona("manager")


@pytest.fixture
def review(manager):
    run_with_arr(1000, minutes_ago=10)
    return reviews.open_review(week=W48, by=manager)


def test_the_champions_group_is_the_playbooks():
    assert permissions.CHAMPIONS_GROUP == CHAMPIONS_GROUP


def test_who_runs_reviews():
    importer = make_user("importer", is_staff=True)
    importer.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    assert permissions.can_run_reviews(make_persona("manager"))
    assert permissions.can_run_reviews(make_persona("champion"))
    assert permissions.can_run_reviews(importer)
    assert not permissions.can_run_reviews(make_persona("reader"))
    assert not permissions.can_run_reviews(make_persona("owner"))


def test_the_review_shows_the_figures_of_the_run_it_was_opened_with(review, manager):
    run_with_arr(2000)  # a newer successful run, after new data came in
    response = logged_in(make_persona("reader")).get(f"/reviews/{W48.code()}/")
    assert response.status_code == 200
    page = response.context["page"]
    assert arr_on(page.week_card) == Decimal(1000)
    assert arr_on(page.month_card) == Decimal(1000)
    assert page.month == Period.month(2026, 11)
    live = logged_in(manager).get(response.context["live_url"])
    assert arr_on(live.context["card"]) == Decimal(2000)
    assert live.context["card"].period == W48


def test_opening_an_open_week_again_keeps_its_run(review, manager):
    run_with_arr(2000)
    assert reviews.open_review(week=W48, by=manager) == review
    review.refresh_from_db()
    assert arr_on(reviews.review_page(review).week_card) == Decimal(1000)


def test_pruning_old_runs_keeps_the_values_a_review_froze(review):
    for arr in (2000, 3000, 4000, 5000):
        run_with_arr(arr)
    prune_old_runs(keep=1)
    assert MetricValue.objects.of_run(review.run).exists()
    assert arr_on(reviews.review_page(review).week_card) == Decimal(1000)


def test_no_review_without_a_finished_run(manager):
    with pytest.raises(reviews.ReviewError):
        reviews.open_review(week=W48, by=manager)
    response = logged_in(manager).post("/reviews/open/")
    assert response.status_code == 400
    assert not WeeklyReview.objects.exists()


def test_the_open_button_opens_this_weeks_review(manager):
    run_with_arr(1000)
    response = logged_in(manager).post("/reviews/open/")
    week = reviews.this_week().code()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{week}/"
    assert WeeklyReview.objects.get().week == week


def test_open_action_items_are_carried_forward_until_done(review, manager):
    owner = make_user("sales-owner")
    item = reviews.add_action_item(
        review=review,
        text="Call the churned accounts",
        owner=owner,
        due_date=date(2026, 12, 4),
        by=manager,
    )
    next_week = reviews.open_review(week=W49, by=manager)
    after = reviews.open_review(week=Period.week(2026, 50), by=manager)
    assert [i.pk for i in reviews.review_page(next_week).carried] == [item.pk]
    assert [i.pk for i in reviews.review_page(after).carried] == [item.pk]
    assert reviews.review_page(review).carried == []  # not carried into its own week

    client = logged_in(manager)
    assert "Call the churned accounts" in client.get(f"/reviews/{W49.code()}/").content.decode()
    response = client.post(f"/reviews/{W49.code()}/items/{item.pk}/done/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ActionItem.Status.DONE and item.done_at is not None
    assert reviews.review_page(after).carried == []
    assert [i.pk for i in reviews.review_page(review).items] == [item.pk]  # its own week keeps it


def test_a_later_item_cannot_be_marked_done_from_an_earlier_review(review, manager):
    later = reviews.open_review(week=W49, by=manager)
    item = reviews.add_action_item(
        review=later, text="Later", owner=manager, due_date=date(2026, 12, 11), by=manager
    )
    response = logged_in(manager).post(f"/reviews/{W48.code()}/items/{item.pk}/done/")
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == ActionItem.Status.OPEN


@pytest.mark.parametrize("editor", ["manager", "champion"])
def test_managers_and_champions_edit_and_every_change_is_recorded(review, editor):
    user = make_persona(editor) if editor == "champion" else review.opened_by
    owner = make_user("sales-owner")
    client = logged_in(user)
    base = f"/reviews/{W48.code()}/"
    assert 'name="csrfmiddlewaretoken"' in client.get(base).content.decode()
    assert client.post(base + "notes/", {"notes": "Pipeline is thin in EMEA."}).status_code == 302
    assert (
        client.post(base + "decisions/", {"text": "Double the EMEA SDR budget."}).status_code == 302
    )
    item_data = {"text": "Hire two SDRs", "owner": owner.pk, "due_date": "2026-12-18"}
    assert client.post(base + "items/", item_data).status_code == 302
    item = ActionItem.objects.get()
    assert client.post(base + f"items/{item.pk}/done/").status_code == 302

    review.refresh_from_db()
    assert review.notes == "Pipeline is thin in EMEA."
    assert Decision.objects.get().author == user
    assert (item.owner, item.due_date, item.review) == (owner, date(2026, 12, 18), review)
    opening = ReviewChange.objects.get(what__startswith="Opened")
    changes = list(ReviewChange.objects.exclude(pk=opening.pk).order_by("pk"))
    assert all(c.user == user for c in changes)
    assert [c.what.split(":")[0] for c in changes] == [
        "Edited the notes.",
        "Recorded a decision",
        f"Added an action item for {owner} due 2026-12-18",
        "Marked done",
    ]
    assert all(c.review == review and c.at is not None for c in changes)
    page = client.get(base).content.decode()
    assert "Double the EMEA SDR budget." in page and "Hire two SDRs" in page


def test_a_reader_reads_but_cannot_edit(review):
    reader = make_persona("reader")
    reviews.add_decision(review=review, text="Keep prices", by=review.opened_by)
    client = logged_in(reader)
    page = client.get(f"/reviews/{W48.code()}/")
    assert page.status_code == 200
    assert "Keep prices" in page.content.decode()
    assert "Record the decision" not in page.content.decode()
    assert client.get("/reviews/").status_code == 200
    before = ReviewChange.objects.count()
    base = f"/reviews/{W48.code()}/"
    item = reviews.add_action_item(
        review=review, text="X", owner=reader, due_date=date(2026, 12, 4), by=review.opened_by
    )
    for url, data in [
        ("/reviews/open/", {}),
        (base + "notes/", {"notes": "mine now"}),
        (base + "decisions/", {"text": "No"}),
        (base + "items/", {"text": "Y", "owner": reader.pk, "due_date": "2026-12-04"}),
        (base + f"items/{item.pk}/done/", {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    review.refresh_from_db()
    item.refresh_from_db()
    assert review.notes == "" and Decision.objects.count() == 1 and ActionItem.objects.count() == 1
    assert item.status == ActionItem.Status.OPEN
    assert ReviewChange.objects.count() == before + 1  # only the item added above


def test_the_csrf_token_is_required():
    run_with_arr(1000)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_persona("manager"))
    assert client.post("/reviews/open/").status_code == 403
    assert not WeeklyReview.objects.exists()


@pytest.mark.parametrize("code", ["2026-W60", "9999-W01", "junk", "2026-11", "2025-W53"])
def test_bad_week_codes_answer_400(review, code):
    client = logged_in(review.opened_by)
    assert client.get(f"/reviews/{code}/").status_code == 400
    assert client.post(f"/reviews/{code}/decisions/", {"text": "x"}).status_code == 400
    assert not Decision.objects.exists()


def test_a_week_without_a_review_answers_404(review):
    assert logged_in(review.opened_by).get(f"/reviews/{W47.code()}/").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"text": "", "owner": "1", "due_date": "2026-12-04"},
        {"text": "x", "owner": "", "due_date": "2026-12-04"},
        {"text": "x", "owner": "99999", "due_date": "2026-12-04"},
        {"text": "x", "owner": "1", "due_date": "soon"},
        {"text": "x" * 2001, "owner": "1", "due_date": "2026-12-04"},
    ],
)
def test_bad_action_items_answer_400_and_change_nothing(review, data):
    data = {**data, "owner": str(review.opened_by.pk) if data["owner"] == "1" else data["owner"]}
    response = logged_in(review.opened_by).post(f"/reviews/{W48.code()}/items/", data)
    assert response.status_code == 400
    assert not ActionItem.objects.exists()


def test_the_scorecard_links_to_the_reviews(manager):
    assert 'href="/reviews/"' in logged_in(manager).get("/metrics/").content.decode()


def test_the_list_is_newest_first(manager):
    run_with_arr(1000)
    for week in (W47, W49, W48):
        reviews.open_review(week=week, by=manager)
    response = logged_in(manager).get("/reviews/")
    assert [r.week for r in response.context["reviews"]] == [W49.code(), W48.code(), W47.code()]


def test_the_review_page_queries_do_not_grow_with_decisions_and_items(review, manager):
    url = REVIEW_PAGE
    client = logged_in(manager)
    owners = [make_user(f"owner{n}") for n in range(3)]
    reviews.add_decision(review=review, text="One", by=manager)
    reviews.add_action_item(
        review=review, text="One", owner=owners[0], due_date=date(2026, 12, 4), by=manager
    )
    small = page_queries(client, url)
    earlier = reviews.open_review(week=W47, by=manager)
    for n in range(20):
        reviews.add_decision(review=review, text=f"D{n}", by=manager)
        for target in (review, earlier):
            reviews.add_action_item(
                review=target,
                text=f"A{n}",
                owner=owners[n % 3],
                due_date=date(2026, 12, 4),
                by=manager,
            )
    large = page_queries(client, url)
    assert small == large
    assert_within_budget(url, large)


def test_an_import_and_recompute_after_opening_leave_the_review_as_it_was(manager, tmp_path):
    """The real path: records → run → review opened → a CSV import → a new run."""
    account = AccountFactory(external_id="ACC-FROZEN")
    SubscriptionFactory(account=account, mrr=Decimal(100), start_date=date(2026, 11, 2))
    compute_now(trigger="command", period=W48)  # the records end before W48: ask for it
    review = reviews.open_review(week=W48, by=manager)

    csv = tmp_path / "subscriptions.csv"
    csv.write_text("external_id,account,mrr,start_date\nSUB-NEW,ACC-FROZEN,50,2026-11-10\n")
    call_command("import_crm", "subscriptions", str(csv), stdout=StringIO())
    newer = compute_now(trigger="command", period=W48)
    assert newer.pk != review.run_id

    client = logged_in(make_persona("reader"))
    page = client.get(f"/reviews/{W48.code()}/")
    assert arr_on(page.context["page"].week_card) == Decimal(1200)  # 100 MRR × 12
    assert arr_on(page.context["page"].month_card) == Decimal(1200)
    live = client.get(page.context["live_url"])
    assert live.context["card"].run == newer
    assert arr_on(live.context["card"]) == Decimal(1800)  # (100 + 50) × 12
