"""The language a page is shown in: the person's choice (saved on their profile and kept in the
session from log-in, so reading it costs no query), else the language cookie (a choice made
on the log-in page), else the browser's Accept-Language, else LANGUAGE_CODE."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .models import Profile

SESSION_KEY = "language"


def is_offered(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def choose(request, response, code: str) -> None:
    """Remember `code` ("" = the browser's) for this person, this session and this browser."""
    if request.user.is_authenticated:
        Profile.objects.update_or_create(user=request.user, defaults={"language": code})
        request.session[SESSION_KEY] = code
    if code:  # the cookie as Django's own set_language view writes it
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )


def remember_at_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: the profile's language into the new session. Someone who never chose
    but picked a language on the log-in page (the cookie) keeps it: it is saved on their
    profile, so it follows them to other browsers. A choice saved earlier wins over the cookie
    (a shared computer's cookie may be someone else's)."""
    if request is None:
        return
    code = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    if not (code and is_offered(code)):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if not is_offered(code):
            return
        Profile.objects.update_or_create(user=user, defaults={"language": code})
    request.session[SESSION_KEY] = code


class ProfileLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with the signed-in person's own choice first."""

    def process_request(self, request):
        chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if chosen and is_offered(chosen):
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
        else:
            super().process_request(request)


def language_of(user) -> str:
    """The language to write to `user` in when there is no request (e-mails, chat, digests):
    their saved choice, else the site's LANGUAGE_CODE."""
    return languages_of([user])[user.pk]


def languages_of(users) -> dict[int, str]:
    """language_of for several people in one query: {user pk: language}."""
    saved = dict(
        Profile.objects.filter(user__in=[u.pk for u in users]).values_list("user_id", "language")
    )
    return {
        u.pk: code if (code := saved.get(u.pk)) and is_offered(code) else settings.LANGUAGE_CODE
        for u in users
    }


def in_language_of(user):
    """`with in_language_of(user):` renders templates and gettext in that person's language."""
    return translation.override(language_of(user))
