"""Single sign-on settings from the environment: a production configuration passes
`check --deploy`; a bad value stops start-up naming the variable."""

import pytest

from tests.portal.test_settings import PRODUCTION_ENV, run_manage

SSO_ENV = {
    "OIDC_RP_CLIENT_ID": "revops-portal",
    "OIDC_RP_CLIENT_SECRET": "a-client-secret",
    "OIDC_OP_ISSUER": "https://sso.example.com/realms/company",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.com/auth",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.com/token",
    "OIDC_OP_JWKS_ENDPOINT": "https://sso.example.com/certs",
    "OIDC_OP_LOGOUT_ENDPOINT": "https://sso.example.com/logout",
    "OIDC_GROUP_ROLES": "revops=revops-manager,champions=champion,ent=group:Enterprise team",
    "OIDC_PASSWORD_LOGIN": "false",
    "OIDC_BREAK_GLASS_USERNAME": "breakglass",
}


def test_check_deploy_is_clean_with_sso_configured():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV | SSO_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_csp_lets_the_logout_form_continue_to_the_providers_end_session_endpoint():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_CSP['form-action'])",
        env_overrides=SSO_ENV,
    )
    assert "https://sso.example.com" in result.stdout, result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OIDC_GROUP_ROLES", "revops=emperor"),
        ("OIDC_GROUP_ROLES", "just-a-name"),
        ("OIDC_UNMAPPED_USERS", "everyone"),
        ("OIDC_RP_SIGN_ALGO", "HS256"),
        ("OIDC_OP_JWKS_ENDPOINT", ""),
    ],
)
def test_a_bad_sso_setting_fails_at_start_up_naming_the_variable(name, value):
    result = run_manage("check", env_overrides=SSO_ENV | {name: value})
    assert result.returncode != 0
    assert name in result.stderr
