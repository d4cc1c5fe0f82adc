"""Single sign-on in a real headless Chromium: the whole redirect dance against the loopback
provider (tests/portal/sso_provider.py), under the portal's CSP, and logout through the
provider's end-session endpoint."""

import pytest
from django.contrib.auth.models import User
from django.utils.csp import CSP

from playbook.permissions import is_champion
from tests.browser.test_scorecard_browser import CHROMIUM_ARGS, WATCH_CSP
from tests.portal.sso_provider import LoopbackProvider, ProviderUser

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(live_server, settings):
    with LoopbackProvider(f"{live_server.url}/oidc/callback/") as provider:
        for name, value in provider.settings().items():
            setattr(settings, name, value)
        settings.OIDC_GROUP_ROLES = {"idp-champions": "champion"}
        settings.OIDC_PASSWORD_LOGIN = False
        settings.SITE_URL = live_server.url  # where the provider's logout sends the browser back
        # What revops_portal/settings.py adds for a configured end-session endpoint.
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, provider.issuer]}
        provider.user = ProviderUser(email="avery@example.com", groups=["idp-champions"])
        yield provider


@pytest.mark.django_db(transaction=True)
def test_a_person_signs_in_with_the_provider_and_out_again(live_server, provider, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[*CHROMIUM_ARGS, "--headless"],
        )
        context = browser.new_context()
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        visited = []
        page.on("request", lambda request: visited.append(request.url))

        page.goto(f"{live_server.url}/playbook/")
        assert "/accounts/login/" in page.url
        assert page.locator("#id_password").count() == 0  # password login is off
        page.click("text=Sign in with Loopback ID")
        page.wait_for_url(f"{live_server.url}/playbook/")

        assert any(url.startswith(provider.issuer + "/authorize?") for url in visited)
        callbacks = [u for u in visited if u.startswith(f"{live_server.url}/oidc/callback/?")]
        assert len(callbacks) == 1 and "code=" in callbacks[0] and "state=" in callbacks[0]
        user = User.objects.get(email="avery@example.com")
        assert is_champion(user)
        assert page.evaluate("window.__cspViolations") == []

        page.click("form.logout button")
        page.wait_for_url(f"{live_server.url}/accounts/login/")
        assert any(url.startswith(provider.issuer + "/logout?") for url in visited)
        assert page.evaluate("window.__cspViolations") == []
        page.goto(f"{live_server.url}/playbook/")
        assert "/accounts/login/" in page.url

        context.close()
        browser.close()
