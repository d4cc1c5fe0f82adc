"""The section editor in a real headless Chromium: markdownx's live preview goes through our
sanitising preview view and runs under the CSP with no violations; saving, then a conflict."""

import os
import tempfile
from pathlib import Path

import pytest

from playbook import services
from playbook.models import Section

from .factories import ChampionFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password-2026"
# The README's screenshots: SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest -m browser refreshes them.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="revops-shots-"))
WATCH = """
window.__cspViolations = [];
window.__xss = false;
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls here stay
    # synchronous. Scoped to the test so it can't leak into other tests' subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        yield browser
        browser.close()


def open_page(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/playbook/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/playbook/")
    return page


def assert_clean(page):
    assert page.evaluate("window.__cspViolations") == []
    assert page.evaluate("window.__xss") is False
    assert page.problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restored_sections")
def test_an_owner_edits_with_a_live_sanitised_preview_and_saves(live_server, browser):
    owner = UserFactory(username="owner", password=PASSWORD)
    section = Section.objects.get(slug="target-audience")
    services.assign_owner(section=section, owner=owner, assigned_by=None)
    page = open_page(browser, live_server, "owner")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "playbook-index.png"), full_page=True)

    page.goto(f"{live_server.url}/playbook/target-audience/edit/")
    editor = page.locator("textarea.markdownx-editor")
    editor.fill("")
    editor.type(
        "## Ideal customer\n\n**Mid-market** logistics.\n\n"
        '<img src=x onerror="window.__xss = true"> <a href="javascript:window.__xss=true">x</a>\n'
    )
    page.wait_for_selector(".markdownx-preview strong")
    assert page.locator(".markdownx-preview strong").inner_text() == "Mid-market"
    assert "onerror" not in page.locator(".markdownx-preview").inner_html()
    page.screenshot(path=str(SCREENSHOTS / "playbook-editor.png"), full_page=True)
    page.fill("#id_change_note", "ICP headline")
    page.click("form.pb-editor button[type=submit]")
    page.wait_for_url(f"{live_server.url}/playbook/target-audience/")
    assert page.locator("article h1").inner_text() == "Target audience"
    assert page.locator("article strong").inner_text() == "Mid-market"
    page.screenshot(path=str(SCREENSHOTS / "playbook-section.png"), full_page=True)
    assert_clean(page)
    assert Section.objects.get(pk=section.pk).current_revision.change_note == "ICP headline"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restored_sections")
def test_a_stale_save_in_the_browser_shows_the_conflict_page_with_the_users_text(
    live_server, browser
):
    owner = UserFactory(username="owner", password=PASSWORD)
    champion = ChampionFactory(username="champion", password=PASSWORD)
    section = Section.objects.get(slug="target-audience")
    services.assign_owner(section=section, owner=owner, assigned_by=None)
    page = open_page(browser, live_server, "owner")
    page.goto(f"{live_server.url}/playbook/target-audience/edit/")
    page.locator("textarea.markdownx-editor").fill("The owner's careful paragraph.")
    # Meanwhile the champion saves.
    services.save_revision(
        section=section, author=champion, title="Target audience", body="Champion's text",
        change_note="", base_number=1,
    )  # fmt: skip
    page.click("form.pb-editor button[type=submit]")
    page.wait_for_selector("table.pb-diff")
    assert "Someone saved this section" in page.locator("h1").inner_text()
    assert (
        page.locator("textarea.markdownx-editor").input_value() == "The owner's careful paragraph."
    )
    page.screenshot(path=str(SCREENSHOTS / "playbook-conflict.png"), full_page=True)
    page.click("form.pb-editor button[type=submit]")  # re-submit on the new base
    page.wait_for_url(f"{live_server.url}/playbook/target-audience/")
    assert (
        Section.objects.get(pk=section.pk).current_revision.body == "The owner's careful paragraph."
    )
    assert_clean(page)
