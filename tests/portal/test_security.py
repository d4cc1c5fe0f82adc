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


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("demo-pass-2026")
