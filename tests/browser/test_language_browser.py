"""The language choice in a real headless Chromium persists across log-in: Русский picked in the
log-in page's footer switcher stays after logging in, is saved on the profile, and a fresh
browser asking for English gets Russian again once the same person logs in.

The Russian nav label comes from a catalogue of the test's own (tests/i18n/own_catalogue.py),
so the test shows the mechanism whether or not the project's catalogues are built."""

import pytest
from django.contrib.auth.models import User

from revops_portal.profiles.models import Profile
from tests.browser.test_scorecard_browser import CHROMIUM_ARGS, WATCH_CSP
from tests.i18n.own_catalogue import compiled_catalogue

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-password-2026"
RUSSIAN = {"Playbook": "Плейбук", "Log in": "Вход", "Log out": "Выйти"}


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM calls between page steps
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def english_page(browser):
    """A fresh browser (no cookies) whose reader asks for English."""
    context = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en"})
    context.add_init_script(WATCH_CSP)
    return context, context.new_page()


def log_in(page, base_url):
    page.fill("#id_username", "ivan")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/playbook/")


@pytest.mark.django_db(transaction=True)
def test_the_language_picked_before_log_in_stays_and_follows_the_person(
    live_server, chromium, settings, tmp_path
):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN})
    User.objects.create_user("ivan", "ivan@example.com", PASSWORD)

    context, page = english_page(chromium)
    page.goto(f"{live_server.url}/playbook/")
    assert page.get_attribute("html", "lang") == "en"
    page.select_option("#language-switch", "ru")
    page.click(".language-switch button[type=submit]")
    page.wait_for_selector("html[lang=ru]")
    assert "/accounts/login/" in page.url  # back where the switch was made
    assert page.locator("h1").inner_text() == "Вход"

    log_in(page, live_server.url)
    assert page.get_attribute("html", "lang") == "ru"
    assert page.locator("nav.mainnav a").first.inner_text() == "Плейбук"
    assert Profile.objects.get(user__username="ivan").language == "ru"

    page.click("form.logout button")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.evaluate("window.__cspViolations") == []
    context.close()

    context, page = english_page(chromium)
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_attribute("html", "lang") == "en"  # nobody signed in: the browser's language
    log_in(page, live_server.url)
    assert page.get_attribute("html", "lang") == "ru"
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.locator("nav.mainnav a").first.inner_text() == "Плейбук"
    assert page.locator("#language-switch").input_value() == "ru"
    assert page.evaluate("window.__cspViolations") == []
    context.close()
