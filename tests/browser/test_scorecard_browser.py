"""The scorecard in a real headless Chromium: log in, charts draw under the CSP without console
errors, click through to a metric, drill down, download CSVs; save the README's screenshots."""

import os
import tempfile
from pathlib import Path

import pytest

from metrics.demo import seed_demo_crm
from metrics.services import compute_now
from tests.metrics.dashboard_support import PASSWORD, make_persona

pytestmark = pytest.mark.browser

# The README's screenshots: SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest -m browser refreshes them.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="revops-shots-"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Collects CSP violations reported by the page into window.__cspViolations.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""
CANVAS_IS_DRAWN = """
(canvas) => {
  const blank = document.createElement("canvas");
  blank.width = canvas.width;
  blank.height = canvas.height;
  return canvas.width > 0 && canvas.height > 0 && canvas.toDataURL() !== blank.toDataURL();
}
"""


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still
    # synchronous and safe. Set for this test only, so no subprocess of another test inherits it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        problems = []
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if (message.type == "error" or "Content Security Policy" in message.text)
                and not message.text.startswith("Failed to load resource")  # checked just below
                else None
            ),
        )
        # A failed load, with its address (the browser's own /favicon.ico probe excepted).
        page.on(
            "response",
            lambda response: (
                problems.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 400 and not response.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.problems = problems
        yield page
        context.close()
        browser.close()


def assert_clean(page):
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], violations
    assert page.problems == [], page.problems


def assert_chart_drawn(page, selector):
    canvas = page.locator(selector)
    canvas.wait_for(state="visible")
    page.wait_for_function(
        "(sel) => document.querySelector(sel).dataset.drawn === 'true'", arg=selector
    )
    page.wait_for_timeout(200)  # let the first frame paint
    assert canvas.evaluate(CANVAS_IS_DRAWN), f"{selector} is blank"


@pytest.mark.django_db(transaction=True)
def test_a_reader_browses_the_scorecard_a_metric_and_its_records(live_server, browser_page):
    seed_demo_crm()
    run = compute_now(trigger="command")
    assert run.status == "succeeded"
    make_persona("reader")
    page = browser_page

    page.goto(f"{live_server.url}/metrics/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/metrics/")

    assert page.locator("h1").first.inner_text().startswith("Scorecard")
    assert page.locator(".metric-card").count() >= 17
    assert page.locator(".funnel-row .metric-card").count() == 4  # leads, rates, cost per lead
    assert page.locator("svg.sparkline polyline").count() > 0
    assert_chart_drawn(page, "#movements-chart")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "scorecard.png"), full_page=True)
    assert_clean(page)

    page.click(".metric-card[data-key=arr] a.metric-name")
    page.wait_for_url("**/metrics/arr/**")
    assert page.locator("h1").first.inner_text().startswith("ARR")
    assert page.locator(".definition").inner_text().count("Why it matters") == 1
    assert_chart_drawn(page, "#metric-chart")
    page.screenshot(path=str(SCREENSHOTS / "metric.png"), full_page=True)
    assert_clean(page)

    with page.expect_download() as download_info:
        page.click("text=Download CSV")
    series_csv = Path(download_info.value.path()).read_text()
    assert series_csv.splitlines()[0].startswith("period,first_day,last_day")
    assert len(series_csv.splitlines()) == 1 + 24

    page.click("text=The records behind")
    page.wait_for_url("**/metrics/arr/records/**")
    assert page.locator("section.records table tbody tr").count() > 0
    with page.expect_download() as download_info:
        page.click("text=Download CSV")
    records_csv = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert (
        records_csv.splitlines()[0] == "ID,Account,Segment,Opening MRR,Closing MRR,Movement,Change"
    )
    assert len(records_csv.splitlines()) > 1
    assert_clean(page)
