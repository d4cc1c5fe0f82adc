"""Portal-wide security: login everywhere, CSRF, CSP, login lockout, password rules."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

PASSWORD = "a-long-enough-password-2026"


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("alice", password=PASSWORD, is_staff=True)


def _parameterless_paths(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            yield from _parameterless_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + route


LOGIN_FREE = {
    "/accounts/login/",
    "/healthz",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/done/",
    "/admin/login/",
    # Single sign-on (revops_portal/sso.py): where a visitor starts logging in, and where the
    # provider sends them back. 404 with SSO off (these settings); tests/portal/test_sso.py.
    "/oidc/authenticate/",
    "/oidc/callback/",
    # The language switcher works on the log-in page too (a cookie; POST only, CSRF-checked;
    # tests/portal/test_languages.py).
    "/profile/language/",
}


def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, db):
    paths = sorted(set(_parameterless_paths()) - LOGIN_FREE)
    assert "/playbook/" in paths and "/metrics/" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login/" in response["Location"], path


def test_a_post_without_a_csrf_token_is_refused(staff_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    client.force_login(staff_user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403


def _nonce(response):
    header = response["Content-Security-Policy"]
    match = re.search(r"'nonce-([^']+)'", header)
    assert match, header
    return match[1]


def test_every_html_response_has_a_csp_header_with_a_fresh_nonce(client, staff_user):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    assert "default-src 'self'" in first["Content-Security-Policy"]
    assert "object-src 'none'" in first["Content-Security-Policy"]
    assert _nonce(first) != _nonce(second)
    client.force_login(staff_user)
    page = client.get("/playbook/")
    assert page.status_code == 200
    assert "script-src 'self' 'nonce-" in page["Content-Security-Policy"]


def _fail_login(client, n, forwarded_for=None):
    for i in range(n):
        extra = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{i + 1}"} if forwarded_for else {}
        client.post(
            "/accounts/login/", {"username": "alice", "password": "wrong-password"}, **extra
        )


def _logs_in(client):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    return response.status_code == 302 and response["Location"] == "/"


def test_repeated_failures_lock_the_login_even_with_a_forged_forwarded_for(client, staff_user):
    _fail_login(client, 5, forwarded_for=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content


def test_the_lockout_expires_after_the_cool_off(client, staff_user):
    _fail_login(client, 5)
    assert not _logs_in(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1))
    assert _logs_in(client)


def test_a_successful_login_resets_the_failure_count(client, staff_user):
    _fail_login(client, 4)
    assert _logs_in(client)
    client.post("/accounts/logout/")
    _fail_login(client, 4)
    assert _logs_in(client)


# Lockout by user name *and* client address (issue 8, item 10): made-up names cannot lock out
# an office, and a stranger cannot lock a named person out from everywhere.
def _attempt(client, username, password, address="10.1.1.1", forwarded_for=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _logged_in(response):
    return response.status_code == 302 and response["Location"] == "/"


def test_made_up_user_names_from_one_address_do_not_lock_a_real_user(staff_user):
    for i in range(12):
        _attempt(Client(), f"nobody-{i % 3}", "guess", address="10.1.1.1")  # 4 each of 3 names
    for i in range(5):
        _attempt(Client(), f"made-up-{i}", "guess", address="10.1.1.1")
    assert _logged_in(_attempt(Client(), "alice", PASSWORD, address="10.1.1.1"))


def test_a_user_locked_out_from_one_address_still_logs_in_from_another(staff_user):
    for _ in range(5):
        _attempt(Client(), "alice", "wrong-password", address="10.1.1.1")
    locked = _attempt(Client(), "alice", PASSWORD, address="10.1.1.1")
    assert locked.status_code == 429
    assert _logged_in(_attempt(Client(), "alice", PASSWORD, address="10.2.2.2"))


def test_without_a_trusted_proxy_the_forwarded_for_header_is_ignored(staff_user, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(5):
        _attempt(Client(), "alice", "x", address="10.1.1.1", forwarded_for=f"198.51.100.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.1.1.1"}
    response = _attempt(Client(), "alice", PASSWORD, "10.1.1.1", forwarded_for="198.51.100.99")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_client_address_comes_from_the_header(staff_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"  # every request arrives from the proxy
    for _ in range(5):
        _attempt(Client(), "alice", "wrong-password", address=proxy, forwarded_for="198.51.100.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    # The attacker is locked out even when prepending made-up addresses of its own ...
    forged = "203.0.113.5, 198.51.100.7"
    assert _attempt(Client(), "alice", PASSWORD, proxy, forwarded_for=forged).status_code == 429
    # ... and alice, behind the same proxy at another address, is not.
    assert _logged_in(_attempt(Client(), "alice", PASSWORD, proxy, forwarded_for="198.51.100.8"))


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.5, 198.51.100.7", "198.51.100.7"),
        (2, "203.0.113.5, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2"),  # fewer entries than proxies: it bypassed one
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    rf, settings, proxies, forwarded_for, expected
):
    from revops_portal.login_protection import client_address

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected


def test_the_locked_out_page_says_when_to_try_again(staff_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    for _ in range(5):
        _attempt(Client(), "alice", "wrong-password")
    response = _attempt(Client(), "alice", PASSWORD)
    assert response.status_code == 429
    text = re.sub(r"\s+", " ", response.content.decode())
    retry = timezone.now() + timedelta(minutes=15)
    expected = {f"{(retry + timedelta(minutes=m)):%H:%M} UTC" for m in (-1, 0)}
    assert any(f"Try again after {hhmm}" in text for hhmm in expected), text
    assert "in 15 minutes" in text or "in 14 minutes" in text
    assert response["Retry-After"] == "900"


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_bad_trusted_proxy_count_stops_start_up(value):
    from tests.portal.test_settings import run_manage

    result = run_manage("check", env_overrides={"TRUSTED_PROXY_COUNT": value})
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("demo-pass-2026")
