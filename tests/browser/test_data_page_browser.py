"""The Data page in a real headless Chromium: from the scorecard's as-of line to the findings, a
finding's records and CSV, and a manager accepting one; no CSP violation or console error."""

from pathlib import Path

import pytest

from metrics import quality_checks
from metrics.demo import seed_demo_crm
from tests.browser.test_scorecard_browser import assert_clean, browser_page  # noqa: F401
from tests.metrics.dashboard_support import PASSWORD, make_persona
from tests.metrics.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.browser


def log_in(page, url, username):
    page.goto(f"{url}/metrics/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/metrics/")


@pytest.mark.django_db(transaction=True)
def test_from_the_scorecard_to_a_findings_records_and_an_acceptance(live_server, browser_page):  # noqa: F811
    seed_demo_crm()  # clean data: add what a real CRM has
    AccountFactory(name="Acme Inc", website="acme.com")
    AccountFactory(name="ACME, Inc.", website="https://www.acme.com/")
    OpportunityFactory(source="", amount=None)
    quality_checks.check_now()  # no metric run needed: the as-of line is there without one
    make_persona("manager")
    page = browser_page
    log_in(page, live_server.url, "manager")

    assert "Data: last import" in page.locator(".data-as-of").inner_text()
    page.click(".data-as-of a")
    page.wait_for_url("**/metrics/data/")
    assert page.locator("table.freshness tbody tr").count() >= 5
    assert page.locator("tr[data-kind=opportunities] .badge").inner_text() == "Fresh"
    found = page.locator(
        "article.finding:not(.accepted) a[href*='/metrics/data/']:not([download])"
    ).first
    title = found.inner_text()
    found.click()
    page.wait_for_url("**/metrics/data/*/")
    assert page.locator("section.records table tbody tr").count() > 0
    with page.expect_download() as download_info:
        page.click("text=Download CSV")
    assert len(Path(download_info.value.path()).read_text().splitlines()) > 1
    assert_clean(page)

    page.go_back()
    article = page.locator("article.finding:not(.accepted)").first
    code = article.get_attribute("data-code")
    article.locator("input[name=note]").fill("Known since the migration")
    article.locator("button", has_text="Accept").click()
    page.wait_for_url(f"**/metrics/data/#finding-{code}")
    accepted = page.locator(f"article#finding-{code}")
    assert "accepted" in accepted.get_attribute("class")
    assert "Known since the migration" in accepted.inner_text()
    assert title  # the link named the records it lists
    assert_clean(page)
