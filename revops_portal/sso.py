"""Company single sign-on: OpenID Connect (authorisation code + PKCE) via mozilla-django-oidc.

Off unless OIDC_RP_CLIENT_ID is set (settings.OIDC_ENABLED): the /oidc/ routes then answer 404
and the password login is the only way in. On:

* the ID token is checked in full here (signature from the provider's JWKS, issuer, audience,
  expiry, nonce): the library checks only the signature and the nonce;
* a user is found by e-mail only when the provider says the e-mail is verified, else refused
  (the e-mail is the stable key: an unverified one could claim someone else's account);
* roles come from the provider's groups (settings.OIDC_GROUP_ROLES) at every login;
* the redirect URI is settings.OIDC_REDIRECT_URI, never built from the request's Host;
* tokens are never logged (failures log the reason only).
"""

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import LogoutView
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from mozilla_django_oidc import views as oidc_views
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh

from playbook.permissions import CHAMPIONS_GROUP

logger = logging.getLogger(__name__)

# Roles a provider group can map to (OIDC_GROUP_ROLES), besides "group:<Django group name>"
# (a section-owner team: a group holding change_section on its sections).
ROLE_ADMIN = "admin"  # superuser: the portal's administrators
ROLE_REVOPS_MANAGER = "revops-manager"  # recompute and import metrics
ROLE_CHAMPION = "champion"  # edits every playbook section, assigns owners
ROLE_STAFF = "staff"  # may open the admin (what they see there depends on permissions)
ROLE_READER = "reader"  # reads everything, nothing more
TEAM_PREFIX = "group:"
REVOPS_MANAGERS_GROUP = "RevOps managers"
REVOPS_MANAGER_PERMISSIONS = (("metrics", "add_metricrun"), ("metrics", "add_importjob"))


def roles_for(provider_groups) -> set[str]:
    mapping = settings.OIDC_GROUP_ROLES
    if not isinstance(provider_groups, list | tuple):
        provider_groups = [provider_groups] if isinstance(provider_groups, str) else []
    return {mapping[g] for g in provider_groups if isinstance(g, str) and g in mapping}


def _managed_group_names() -> set[str]:
    teams = {
        r[len(TEAM_PREFIX) :]
        for r in settings.OIDC_GROUP_ROLES.values()
        if r.startswith(TEAM_PREFIX)
    }
    return teams | {CHAMPIONS_GROUP, REVOPS_MANAGERS_GROUP}


def _revops_managers_group() -> Group:
    group, created = Group.objects.get_or_create(name=REVOPS_MANAGERS_GROUP)
    if created:
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in REVOPS_MANAGER_PERMISSIONS
            ]
        )
    return group


@transaction.atomic
def apply_roles(user, roles: set[str]) -> None:
    """Make the user's rights exactly what `roles` give: a role dropped at the provider is taken
    away here. Groups the mapping does not mention (granted by hand in the admin) stay."""
    user.is_superuser = ROLE_ADMIN in roles
    user.is_staff = bool(roles & {ROLE_ADMIN, ROLE_REVOPS_MANAGER, ROLE_STAFF})
    user.save(update_fields=["is_superuser", "is_staff"])
    wanted = {r[len(TEAM_PREFIX) :] for r in roles if r.startswith(TEAM_PREFIX)}
    if ROLE_CHAMPION in roles:
        wanted.add(CHAMPIONS_GROUP)
    if ROLE_REVOPS_MANAGER in roles:
        wanted.add(REVOPS_MANAGERS_GROUP)
        _revops_managers_group()
    managed = _managed_group_names()
    user.groups.remove(*user.groups.filter(name__in=managed - wanted))
    user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in wanted])


def username_for(email: str, claims=None) -> str:
    return email.lower()[:150]


class OIDCBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # Django loads every backend for each password login: with SSO off there is nothing
        # to read (the library would refuse the missing JWKS endpoint).
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)
        else:
            self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, jwt.PyJWTError, SuspiciousOperation, ValueError) as exc:
            # The reason only: the exception texts carry no token.
            logger.warning("Single sign-on refused: %s", type(exc).__name__)
            return None

    def get_token(self, payload):
        payload["redirect_uri"] = settings.OIDC_REDIRECT_URI
        return super().get_token(payload)

    def verify_token(self, token, **kwargs):
        key = self.retrieve_matching_jwk(token)
        payload = jwt.decode(
            token,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_OP_ISSUER,
            leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        if payload.get("nonce") != kwargs.get("nonce"):
            raise SuspiciousOperation("The ID token's nonce is not the one this login sent.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint when there is one."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload["sub"]:
                raise SuspiciousOperation("userinfo is about another subject than the ID token.")
            claims.update(userinfo)
        return claims

    def verify_claims(self, claims):
        if not claims.get("email"):
            return False
        # Providers send true, some "true"; anything else is unverified. Some (Entra ID) send no
        # claim at all for addresses they own: OIDC_TRUST_PROVIDER_EMAILS accepts a missing one.
        verified = claims.get("email_verified")
        if verified is None and settings.OIDC_TRUST_PROVIDER_EMAILS:
            verified = True
        if verified not in (True, "true"):
            logger.warning("Single sign-on refused: the provider has not verified the e-mail.")
            return False
        if self._roles(claims) or settings.OIDC_UNMAPPED_USERS == ROLE_READER:
            return True
        logger.warning("Single sign-on refused: no provider group maps to a portal role.")
        return False

    def _roles(self, claims) -> set[str]:
        return roles_for(claims.get(settings.OIDC_GROUPS_CLAIM))

    def filter_users_by_claims(self, claims):
        users = super().filter_users_by_claims(claims)
        # The break-glass account is local only: no provider account may take it over.
        if users.filter(username=settings.OIDC_BREAK_GLASS_USERNAME or None).exists():
            raise SuspiciousOperation("The break-glass account cannot log in through the provider.")
        return users

    def create_user(self, claims):
        user = super().create_user(claims)
        user.set_unusable_password()
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        user.first_name = str(claims.get("given_name") or claims.get("name") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.save(update_fields=["first_name", "last_name", "password"])
        apply_roles(user, self._roles(claims))
        return user

    def get_user(self, user_id):
        user = super().get_user(user_id)
        # An account deactivated in the portal loses its session at the next request.
        return user if user is not None and user.is_active else None


class PasswordBackend(ModelBackend):
    """Username and password; with OIDC_PASSWORD_LOGIN off, for the break-glass superuser only.

    It also answers `user.has_perm` for every user (the first backend that can): Django's own
    reads a user's permissions and their groups' in two queries; this reads both in one."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):  # ModelBackend's own per-user cache
            held = Permission.objects.all()
            if not user_obj.is_superuser:
                direct = Permission.user_set.through.objects.filter(user=user_obj)
                grouped = Permission.group_set.through.objects.filter(group__user=user_obj)
                held = held.filter(
                    Q(pk__in=direct.values("permission")) | Q(pk__in=grouped.values("permission"))
                )
            pairs = held.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in pairs}
        return user_obj._perm_cache

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        if settings.OIDC_PASSWORD_LOGIN or not settings.OIDC_ENABLED:
            return True
        return bool(
            settings.OIDC_BREAK_GLASS_USERNAME
            and user.username == settings.OIDC_BREAK_GLASS_USERNAME
            and user.is_superuser
        )


def _with_fixed_redirect_uri(response):
    """The library builds redirect_uri from the request's Host; ours comes from settings."""
    parts = urlsplit(response["Location"])
    query = dict(parse_qsl(parts.query))
    query["redirect_uri"] = settings.OIDC_REDIRECT_URI
    response["Location"] = urlunsplit(parts._replace(query=urlencode(query)))
    return response


class AuthenticationRequestView(oidc_views.OIDCAuthenticationRequestView):
    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        return _with_fixed_redirect_uri(super().get(request))


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().get(request)


class SSOSessionRefresh(SessionRefresh):
    """Sends a signed-in SSO user back to the provider (prompt=none) every
    OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS: a leaver is refused there and logged out here."""

    @cached_property
    def exempt_urls(self):
        return {reverse("oidc_authentication_init"), reverse("oidc_authentication_callback")}

    def process_request(self, request):
        if not settings.OIDC_ENABLED:
            return None
        response = super().process_request(request)
        if response is not None and response.status_code == 302:
            return _with_fixed_redirect_uri(response)
        return response


class PortalLogoutView(LogoutView):
    """Ends the portal session; after an SSO login, also the provider's (end-session endpoint)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        was_sso = request.session.get(BACKEND_SESSION_KEY) == "revops_portal.sso.OIDCBackend"
        response = super().post(request, *args, **kwargs)
        if settings.OIDC_ENABLED and was_sso and settings.OIDC_OP_LOGOUT_ENDPOINT:
            query = {
                "client_id": settings.OIDC_RP_CLIENT_ID,
                "post_logout_redirect_uri": settings.SITE_URL.rstrip("/") + settings.LOGIN_URL,
            }
            if id_token:
                query["id_token_hint"] = id_token
            return HttpResponseRedirect(f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(query)}")
        return response


def is_sso_callback(request, credentials) -> bool:
    """AXES_WHITELIST_CALLABLE: the provider checks the password, not us. Counting refused
    SSO callbacks (no user name: one count per address) would lock a whole office out after
    a few refused colleagues; a forged callback fails on state, PKCE and signature anyway."""
    return request.path == reverse("oidc_authentication_callback")


def login_options(request):
    """For the log-in page: which ways in to offer."""
    return {
        "sso_enabled": settings.OIDC_ENABLED,
        "sso_provider_name": settings.OIDC_PROVIDER_NAME,
        "password_login": settings.OIDC_PASSWORD_LOGIN or not settings.OIDC_ENABLED,
    }


urlpatterns = [
    path(
        "authenticate/",
        login_not_required(AuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "callback/", login_not_required(CallbackView.as_view()), name="oidc_authentication_callback"
    ),
]
