"""The weekly review in a real headless Chromium: a RevOps manager opens this week's review,
records a decision and an action item for a sales owner, switches the scorecard to Week and to a
team cut; a reader sees the review and cannot edit it."""

from decimal import Decimal

import pytest

from metrics import reviews
from metrics.models import ActionItem, Decision, WeeklyReview
from metrics.periods import MONTH, WEEK, Period, covering
from tests.browser.test_scorecard_browser import assert_clean, browser_page  # noqa: F401
from tests.metrics.dashboard_support import PASSWORD, make_persona, make_user, store_figures
from tests.metrics.factories import MetricRunFactory

pytestmark = pytest.mark.browser

PIPELINE = ["win_rate", "won_amount", "avg_deal_size"]


def stored_run():
    """A finished run with every week and month from the start of last month to the end of
    this week, for the whole business and per team."""
    week = reviews.this_week()
    first_day = Period.containing(week.start, MONTH).previous().start
    periods = covering(WEEK, first_day, week.last_day) + covering(MONTH, first_day, week.last_day)
    run = MetricRunFactory()
    store_figures(run, keys=["arr", *PIPELINE], periods=periods)
    for team in ("Expansion", "New Business"):
        store_figures(
            run,
            keys=PIPELINE,
            periods=periods,
            cut_kind="team",
            cut_value=team,
            value=lambda key, i: Decimal("0.3") if key == "win_rate" else Decimal(500 + i),
        )
    return run


def log_in(page, base_url: str, username: str, next_path: str):
    page.goto(f"{base_url}{next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


@pytest.mark.django_db(transaction=True)
def test_a_manager_runs_the_meeting_and_a_reader_reads_it(live_server, browser_page):  # noqa: F811
    stored_run()
    make_persona("manager")
    make_persona("reader")
    make_user("sales", first_name="Priya", last_name="Raman")
    page, base = browser_page, live_server.url
    week = reviews.this_week().code()

    log_in(page, base, "manager", "/reviews/")
    page.click("text=Open this week's review")
    page.wait_for_url(f"{base}/reviews/{week}/")
    assert page.locator(".metric-card[data-key=arr]").count() == 2  # the week and the month
    page.fill("#decision-text", "Move a fifth of the Paid Search budget to Events.")
    page.click("text=Record the decision")
    page.wait_for_url(f"{base}/reviews/{week}/")
    assert "Move a fifth of the Paid Search budget" in page.locator("ul.decisions").inner_text()
    page.fill("#item-text", "Call every Mid-Market deal older than 30 days")
    page.select_option("#item-owner", label="Priya Raman")
    page.fill("#item-due", "2026-12-04")
    page.click("text=Add the action item")
    page.wait_for_url(f"{base}/reviews/{week}/")
    row = page.locator("table.action-items tbody tr").first
    assert "Call every Mid-Market deal" in row.inner_text() and "Priya Raman" in row.inner_text()
    assert_clean(page)

    page.click("text=Today's figures")
    page.wait_for_url(f"**/metrics/?period={week}")
    assert page.locator(".kind-switch a.active").inner_text() == "Week"

    page.goto(f"{base}/metrics/")  # the scorecard as it opens: the last complete month
    assert page.locator(".kind-switch a.active").inner_text() == "Month"
    page.click(".kind-switch >> text=Week")
    page.wait_for_url("**/metrics/?period=*-W*")
    assert page.locator(".kind-switch a.active").inner_text() == "Week"
    assert page.locator("section.team-view tr[data-team]").count() == 2
    page.select_option("#cut-team", "New Business")
    page.click(".cut-filter button[type=submit]")
    page.wait_for_url("**team=New+Business*")
    assert "Team: New Business" in page.locator("h1").first.inner_text()
    assert "-W" in page.url
    assert page.locator(".metric-card[data-key=win_rate] .metric-value").inner_text() == "30.0%"
    assert_clean(page)

    page.click("form.logout button")
    log_in(page, base, "reader", f"/reviews/{week}/")
    assert "Move a fifth of the Paid Search budget" in page.content()
    assert "Call every Mid-Market deal" in page.content()
    for control in ("Record the decision", "Add the action item", "Save notes", "Mark done"):
        assert page.locator(f"text={control}").count() == 0, control
    assert page.locator("details.edit-decision, details.edit-item").count() == 0
    # Even a hand-made POST (with a valid CSRF token) is refused.
    token = page.locator("form.logout input[name=csrfmiddlewaretoken]").input_value()
    response = page.request.post(
        f"{base}/reviews/{week}/decisions/",
        form={"text": "Mine now", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/reviews/{week}/"},
    )
    assert response.status == 403
    assert Decision.objects.count() == 1 and ActionItem.objects.count() == 1
    assert WeeklyReview.objects.get().changes.count() == 3  # opened, decision, item
