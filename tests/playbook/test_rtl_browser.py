"""Persian in a real headless Chromium: the scorecard and a section are mirrored right to left,
nothing runs off the page or sits on top of something else, and mixed Persian and English text
keeps each its own direction. Saves docs/screenshots/fa-*.png (SCREENSHOT_DIR=docs/screenshots)."""

import pytest

from metrics.demo import seed_demo_crm
from metrics.services import compute_now
from playbook import services as playbook_services
from playbook.guidance import set_playbook_language
from playbook.models import Section
from revops_portal.profiles.models import Profile
from tests.browser.test_scorecard_browser import (
    SCREENSHOTS,
    assert_chart_drawn,
    assert_clean,
    browser_page,  # noqa: F401 (a fixture)
)
from tests.metrics.dashboard_support import PASSWORD, make_persona

pytestmark = pytest.mark.browser

# Boxes of the elements that must not overlap one another, and of the page's width.
LAYOUT = """
(selector) => {
  const boxes = [...document.querySelectorAll(selector)]
    .map((el) => el.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0)
    .map((r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}));
  return {
    boxes,
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    dir: document.documentElement.dir,
    bodyDirection: getComputedStyle(document.body).direction,
  };
}
"""

# How far a paragraph's text stands from its box's left (startGap) and right (endGap) edges.
TEXT_EDGES = """
(p) => {
  const range = document.createRange();
  range.selectNodeContents(p);
  const text = range.getBoundingClientRect(), box = p.getBoundingClientRect();
  const style = getComputedStyle(p);
  const left = box.left + parseFloat(style.paddingLeft);
  const right = box.right - parseFloat(style.paddingRight);
  return {startGap: text.left - left, endGap: right - text.right};
}
"""


def overlapping(boxes):
    def meet(a, b):
        return (
            a["left"] < b["right"] - 1
            and b["left"] < a["right"] - 1
            and a["top"] < b["bottom"] - 1
            and b["top"] < a["bottom"] - 1
        )

    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if meet(a, b)]


def assert_mirrored_and_tidy(page, selector):
    layout = page.evaluate(LAYOUT, selector)
    assert layout["dir"] == "rtl" and layout["bodyDirection"] == "rtl"
    assert layout["pageWidth"] <= layout["viewportWidth"], "the page scrolls sideways"
    assert len(layout["boxes"]) >= 2, selector
    assert overlapping(layout["boxes"]) == [], f"{selector} overlap"
    return layout["boxes"]


def log_in(page, base_url, next_path):
    page.goto(f"{base_url}{next_path}")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restored_sections")
def test_the_scorecard_and_a_section_in_persian(live_server, browser_page):  # noqa: F811
    seed_demo_crm()
    assert compute_now(trigger="command").status == "succeeded"
    reader = make_persona("reader")
    Profile.objects.create(user=reader, language="fa")
    set_playbook_language("fa")
    section = Section.objects.get(slug="target-audience")
    playbook_services.save_revision(
        section=section,
        author=reader,
        title=section.title,
        body="مشتری ایدئال ما شرکت‌های لجستیک با ۵۰ تا ۵۰۰ کارمند است.\n\n"
        "Our ICP in English: mid-market logistics firms.\n",
        change_note="",
        base_number=1,
    )
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, live_server.url, "/metrics/")
    assert page.locator("html").get_attribute("lang") == "fa"
    cards = assert_mirrored_and_tidy(page, ".metric-card")
    # Right to left: the first card of a row stands to the right of the second.
    assert cards[0]["top"] == cards[1]["top"] and cards[0]["left"] > cards[1]["left"]
    brand, nav = page.locator(".brand").bounding_box(), page.locator(".mainnav").bounding_box()
    assert brand["x"] > nav["x"], "the brand should open the top bar on the right"
    assert_mirrored_and_tidy(page, ".topbar > *")
    assert_chart_drawn(page, "#movements-chart")
    page.screenshot(path=str(SCREENSHOTS / "fa-scorecard.png"), full_page=True)
    assert_clean(page)

    page.goto(f"{live_server.url}/playbook/target-audience/")
    article, aside = (
        page.locator("article.prose").bounding_box(),
        page.locator("aside").bounding_box(),
    )
    assert article["x"] > aside["x"], "the text column should stand on the right"
    assert_mirrored_and_tidy(page, ".pb-layout > *")
    english = page.locator("article.prose p", has_text="Our ICP in English")
    persian = page.locator("article.prose p", has_text="مشتری ایدئال")
    # Each paragraph of user text takes the direction of its own words: the English line starts
    # at the left edge, the Persian one at the right.
    english_line, persian_line = english.evaluate(TEXT_EDGES), persian.evaluate(TEXT_EDGES)
    assert english_line["startGap"] < 2 < 20 < english_line["endGap"], english_line
    assert persian_line["endGap"] < 2 < 20 < persian_line["startGap"], persian_line
    page.screenshot(path=str(SCREENSHOTS / "fa-section.png"), full_page=True)
    assert_clean(page)
