"""Company single sign-on against a real OpenID Connect flow: a loopback provider
(tests/portal/sso_provider.py) with its own keys, the portal driven by Django's test client,
every redirect followed by hand over real HTTP."""

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client

from metrics.permissions import can_import, can_recompute
from playbook.permissions import CHAMPIONS_GROUP, is_champion
from revops_portal.sso import REVOPS_MANAGERS_GROUP
from tests.portal.sso_provider import CLIENT_ID, LoopbackProvider, ProviderUser

CALLBACK = "http://testserver/oidc/callback/"
EMAIL = "riley@example.com"
PASSWORD = "a-long-local-password-2026"
# The provider's name is configuration, kept as written in every language.
SIGN_IN_WITH_LOOPBACK = 'Sign in with <span translate="no">Loopback ID</span>'
GROUP_ROLES = {
    "idp-revops": "revops-manager",
    "idp-champions": "champion",
    "idp-admins": "admin",
    "idp-readers": "reader",
    "idp-enterprise": "group:Enterprise team",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    with LoopbackProvider(CALLBACK) as provider:
        for name, value in provider.settings().items():
            setattr(settings, name, value)
        settings.OIDC_GROUP_ROLES = GROUP_ROLES
        settings.OIDC_UNMAPPED_USERS = "deny"
        provider.user = ProviderUser(email=EMAIL, groups=["idp-revops", "idp-champions"])
        yield provider


def start(client, next_url=None):
    """/oidc/authenticate/ → the provider's /authorize → the provider's answer (a redirect)."""
    response = client.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return requests.get(response["Location"], allow_redirects=False, timeout=5)


def callback(client, provider_answer, **extra):
    location = provider_answer.headers["Location"]
    assert location.startswith(CALLBACK)
    return client.get(urlsplit(location).path + "?" + urlsplit(location).query, **extra)


def sso_login(client, next_url=None):
    return callback(client, start(client, next_url))


def logged_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def refused(response, client):
    return (
        response.status_code in (302, 400)
        and (response.status_code == 400 or "sso=failed" in response["Location"])
        and logged_in_user(client) is None
    )


# --- Creating users, roles from groups ---------------------------------------------------------
def test_first_login_creates_the_user_with_the_roles_its_groups_map_to(client, provider):
    response = sso_login(client, next_url="/metrics/")

    assert response.status_code == 302 and response["Location"] == "/metrics/"
    user = logged_in_user(client)
    assert user.email == EMAIL and user.username == EMAIL
    assert (user.first_name, user.last_name) == ("Riley", "Test")
    assert not user.has_usable_password()
    assert is_champion(user) and can_recompute(user) and can_import(user)
    assert not user.is_superuser
    assert client.get("/metrics/imports/").status_code == 200


def test_a_group_change_at_the_provider_changes_the_role_at_the_next_login(client, provider):
    sso_login(client)
    provider.user.groups = ["idp-admins", "idp-enterprise"]
    sso_login(Client())

    user = User.objects.get(email=EMAIL)
    assert User.objects.filter(email=EMAIL).count() == 1
    assert user.is_superuser and user.is_staff
    assert not is_champion(user)
    assert set(user.groups.values_list("name", flat=True)) == {"Enterprise team"}


def test_groups_granted_by_hand_in_the_admin_are_left_alone(client, provider):
    sso_login(client)
    user = User.objects.get(email=EMAIL)
    user.groups.create(name="Hand-picked reviewers")
    provider.user.groups = ["idp-readers"]
    sso_login(Client())
    names = set(user.groups.values_list("name", flat=True))
    assert names == {"Hand-picked reviewers"}
    assert CHAMPIONS_GROUP not in names and REVOPS_MANAGERS_GROUP not in names


def test_a_user_whose_groups_map_to_nothing_gets_no_access_when_the_setting_says_deny(
    client, provider
):
    provider.user.groups = ["idp-unrelated"]
    assert refused(sso_login(client), client)
    assert not User.objects.filter(email=EMAIL).exists()


def test_a_user_whose_groups_map_to_nothing_reads_when_the_setting_says_reader(
    client, provider, settings
):
    settings.OIDC_UNMAPPED_USERS = "reader"
    provider.user.groups = ["idp-unrelated"]
    sso_login(client)
    user = logged_in_user(client)
    assert user is not None and not user.is_staff and not user.groups.exists()
    assert client.get("/playbook/").status_code == 200
    assert client.get("/metrics/imports/").status_code == 403


# --- Matching local users ----------------------------------------------------------------------
def test_a_verified_email_logs_in_the_existing_local_user(client, provider):
    local = User.objects.create_user("riley", email="Riley@Example.com", password=PASSWORD)
    sso_login(client)
    assert logged_in_user(client) == local
    assert User.objects.count() == 1


def test_an_unverified_email_does_not_match_an_existing_local_user(client, provider):
    User.objects.create_user("riley", email=EMAIL, password=PASSWORD, is_superuser=True)
    provider.user.email_verified = False
    assert refused(sso_login(client), client)
    assert User.objects.count() == 1


def test_a_missing_email_verified_claim_is_refused_unless_the_provider_is_trusted(
    client, provider, settings
):
    provider.user.email_verified = None  # the claim is left out of the ID token
    assert refused(sso_login(client), client)
    settings.OIDC_TRUST_PROVIDER_EMAILS = True
    sso_login(client)
    assert logged_in_user(client).username == EMAIL.lower()


def test_a_trusted_provider_still_cannot_match_an_explicitly_unverified_email(
    client, provider, settings
):
    settings.OIDC_TRUST_PROVIDER_EMAILS = True
    User.objects.create_user("riley", email=EMAIL, password=PASSWORD, is_superuser=True)
    provider.user.email_verified = False
    assert refused(sso_login(client), client)


def test_a_matching_display_name_is_not_enough(client, provider):
    User.objects.create_user("rtest", first_name="Riley", last_name="Test", password=PASSWORD)
    provider.user.email = "someone.else@example.com"
    sso_login(client)
    assert logged_in_user(client).username == "someone.else@example.com"
    assert User.objects.count() == 2


def test_the_break_glass_account_cannot_be_taken_over_by_a_provider_account(
    client, provider, settings
):
    settings.OIDC_BREAK_GLASS_USERNAME = "breakglass"
    User.objects.create_superuser("breakglass", email=EMAIL, password=PASSWORD)
    assert refused(sso_login(client), client)
    assert User.objects.count() == 1


# --- Leavers -----------------------------------------------------------------------------------
def test_a_user_deactivated_at_the_provider_gets_no_new_session(client, provider):
    sso_login(Client())
    provider.user.active = False
    answer = start(client)
    assert "error=access_denied" in answer.headers["Location"]
    assert refused(callback(client, answer), client)


def test_an_existing_session_ends_at_the_next_recheck_once_the_provider_refuses(client, provider):
    sso_login(client)
    assert client.get("/playbook/").status_code == 200
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1  # the re-check interval has passed
    session.save()
    provider.user.active = False

    recheck = client.get("/playbook/")
    assert recheck.status_code == 302
    assert recheck["Location"].startswith(provider.issuer + "/authorize")
    assert parse_qs(urlsplit(recheck["Location"]).query)["prompt"] == ["none"]
    assert parse_qs(urlsplit(recheck["Location"]).query)["redirect_uri"] == [CALLBACK]
    callback(client, requests.get(recheck["Location"], allow_redirects=False, timeout=5))

    assert logged_in_user(client) is None
    assert client.get("/playbook/")["Location"].startswith("/accounts/login/")


def test_an_active_user_passes_the_recheck_and_keeps_the_session(client, provider):
    sso_login(client)
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()
    recheck = client.get("/playbook/")
    back = callback(client, requests.get(recheck["Location"], allow_redirects=False, timeout=5))
    assert back["Location"] == "/playbook/"
    assert client.get("/playbook/").status_code == 200


def test_a_user_deactivated_in_the_portal_is_refused_and_loses_the_session(client, provider):
    sso_login(client)
    User.objects.filter(email=EMAIL).update(is_active=False)
    assert client.get("/playbook/").status_code == 302
    assert refused(sso_login(Client()), Client())


# --- Protocol checks ---------------------------------------------------------------------------
def test_the_flow_uses_pkce_nonce_and_the_redirect_uri_from_settings(client, provider, settings):
    settings.ALLOWED_HOSTS = ["testserver", "portal.other.example"]
    response = client.get("/oidc/authenticate/", HTTP_HOST="portal.other.example")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0] and query["client_id"] == [CLIENT_ID]
    callback(client, requests.get(response["Location"], allow_redirects=False, timeout=5))
    assert provider.token_requests[-1]["redirect_uri"] == CALLBACK
    assert len(provider.token_requests[-1]["code_verifier"]) >= 43
    assert logged_in_user(client) is not None


def test_a_tampered_state_is_refused(client, provider):
    answer = start(client)
    location = answer.headers["Location"].replace("state=", "state=tampered")
    response = client.get(urlsplit(location).path + "?" + urlsplit(location).query)
    assert refused(response, client)
    assert provider.token_requests == []  # the code was never exchanged


def test_a_replayed_callback_is_refused(client, provider):
    answer = start(client)
    callback(client, answer)
    other = Client()
    assert refused(callback(other, answer), other)


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(client, provider):
    answer = start(client)
    session = client.session
    for entry in session["oidc_states"].values():
        entry["code_verifier"] = "x" * 64
    session.save()
    assert refused(callback(client, answer), client)


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": "a-nonce-from-another-login"},
        {"aud": "some-other-client"},
        {"iss": "http://127.0.0.1:1"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"exp": None},
    ],
    ids=["wrong-nonce", "wrong-audience", "wrong-issuer", "expired", "no-expiry"],
)
def test_a_bad_id_token_is_refused(client, provider, changes):
    provider.id_token_changes = changes
    assert refused(sso_login(client), client)
    assert not User.objects.filter(email=EMAIL).exists()


def test_an_id_token_signed_by_another_key_is_refused(client, provider):
    provider.sign_with_other_key = True
    assert refused(sso_login(client), client)
    assert not User.objects.filter(email=EMAIL).exists()


def test_tokens_and_codes_are_never_logged(client, provider, caplog):
    with caplog.at_level(logging.DEBUG):
        answer = start(client)
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        callback(client, answer)
        client.post("/accounts/logout/")
        provider.id_token_changes = {"aud": "other"}
        sso_login(Client())
    secrets = [*provider.issued_tokens, code]
    assert len(secrets) == 5
    for record in caplog.records:
        text = record.getMessage()
        assert not any(secret in text for secret in secrets), record.name


# --- Logout ------------------------------------------------------------------------------------
def test_logout_ends_the_portal_session_and_the_providers(client, provider):
    sso_login(client)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"].startswith(provider.issuer + "/logout?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["id_token_hint"] == [provider.issued_tokens[0]]
    assert query["post_logout_redirect_uri"][0].endswith("/accounts/login/")
    assert logged_in_user(client) is None
    assert client.get("/playbook/").status_code == 302


def test_a_password_session_logs_out_locally_only(client, provider):
    User.objects.create_user("local", password=PASSWORD)
    client.post("/accounts/login/", {"username": "local", "password": PASSWORD})
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"


# --- Password login beside SSO -----------------------------------------------------------------
def test_the_login_page_offers_both_ways_by_default(client, provider):
    page = client.get("/accounts/login/").content.decode()
    assert SIGN_IN_WITH_LOOPBACK in page and 'name="password"' in page


def test_with_password_login_off_only_the_break_glass_account_can_use_it(
    client, provider, settings
):
    settings.OIDC_PASSWORD_LOGIN = False
    settings.OIDC_BREAK_GLASS_USERNAME = "breakglass"
    User.objects.create_user("alice", password=PASSWORD, is_superuser=True, is_staff=True)
    User.objects.create_superuser("breakglass", password=PASSWORD)

    page = client.get("/accounts/login/").content.decode()
    assert SIGN_IN_WITH_LOOPBACK in page and 'name="password"' not in page
    assert 'name="password"' in client.get("/accounts/login/?break-glass").content.decode()

    alice = client.post("/accounts/login/?break-glass", {"username": "alice", "password": PASSWORD})
    assert alice.status_code == 200 and logged_in_user(client) is None
    glass = client.post(
        "/accounts/login/?break-glass", {"username": "breakglass", "password": PASSWORD}
    )
    assert glass.status_code == 302 and logged_in_user(client).username == "breakglass"


def test_password_sessions_of_others_end_when_password_login_is_switched_off(
    client, provider, settings
):
    User.objects.create_user("alice", password=PASSWORD)
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.get("/playbook/").status_code == 200
    settings.OIDC_PASSWORD_LOGIN = False
    assert client.get("/playbook/").status_code == 302


def test_the_password_lockout_still_works_with_sso_on(client, provider):
    User.objects.create_user("alice", password=PASSWORD)
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


# --- SSO off -----------------------------------------------------------------------------------
def test_without_configuration_the_sso_routes_do_not_exist_and_the_page_is_unchanged(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page


def test_refused_sso_logins_from_one_office_do_not_lock_out_its_other_people(client, provider):
    provider.user.groups = ["idp-unrelated"]
    for _ in range(6):  # more than AXES_FAILURE_LIMIT, all from 127.0.0.1
        assert refused(sso_login(Client()), client)
    provider.user = ProviderUser(email="colleague@example.com", groups=["idp-readers"])
    sso_login(client)
    assert logged_in_user(client).email == "colleague@example.com"
