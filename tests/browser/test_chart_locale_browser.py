"""A metric page's chart in a real headless Chromium writes its axis the reader's way
(static/js/metrics.js: Intl.NumberFormat in the page's language, the server's currency):
Polish amounts as "… USD", Persian with Persian digits; the chart data itself stays plain."""

import pytest

from tests.browser.test_scorecard_browser import (  # noqa: F401
    assert_chart_drawn,
    assert_clean,
    browser_page,
)
from tests.metrics.dashboard_support import PASSWORD, make_persona, stored_run

pytestmark = pytest.mark.browser

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")
AXIS_AND_LEGEND = """
() => {
  const chart = Chart.getChart(document.querySelector("#metric-chart"));
  return {
    ticks: chart.scales.y.ticks.map((tick) => tick.label),
    data: chart.data.datasets[0].data.filter((value) => value !== null),
  };
}
"""


def chart_in(page, base_url, language, key):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page.goto(f"{base_url}/metrics/{key}/?period=2017-12")
    assert_chart_drawn(page, "#metric-chart")
    return page.evaluate(AXIS_AND_LEGEND)


@pytest.mark.django_db(transaction=True)
def test_the_charts_axis_follows_the_page_language(live_server, browser_page):  # noqa: F811
    stored_run(months=12)  # ARR 1 … 12, a win rate of 1 … 12 (100% … 1,200%)
    make_persona("reader")
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    polish = chart_in(page, live_server.url, "pl", "arr")
    assert polish["ticks"] and all(t.endswith("\xa0USD") and "," in t for t in polish["ticks"])
    assert polish["data"][-1] == 12  # a plain number for drawing
    persian = chart_in(page, live_server.url, "fa", "win_rate")
    assert persian["ticks"] and all(
        set(t) & PERSIAN_DIGITS and t.endswith("٪") for t in persian["ticks"]
    )
    english = chart_in(page, live_server.url, "en", "arr")
    assert all(t.startswith("$") for t in english["ticks"]), english["ticks"]
    assert_clean(page)
