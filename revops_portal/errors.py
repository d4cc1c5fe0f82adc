"""The error handlers: a database outage answers 503 "briefly unavailable", not 500; the 400
and 500 pages in the reader's language.

Django turns an exception raised anywhere in a request (a view, or a middleware such as
sessions or auth that reads the database before any view runs) into a response by calling
`handler500` while the exception is being handled. That makes this the one place that sees
them all: a database that cannot be reached gets a 503 page with Retry-After, which tells
people and proxies to try again shortly; anything else stays the ordinary 500. With DEBUG on,
Django shows its technical page instead, as for every error.

The 400, 500 and 503 pages are rendered without the request (its context processors may read
the database, or the bad Host that caused the 400): only the language comes from it, which
the locale middleware has already activated.
"""

import logging
import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.context_processors import i18n
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# SQLSTATE classes of a server that is gone or refusing work, not of a bad query:
# 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (shutting down, starting up).
_UNAVAILABLE_SQLSTATE_CLASSES = {"08", "53", "57"}
_UNAVAILABLE_SQLITE_ERRORS = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR"}


def database_unavailable(exc: BaseException | None) -> bool:
    """True for a database that cannot be reached or is refusing work (not for a bad query)."""
    if isinstance(exc, InterfaceError):  # the connection is already closed
        return True
    if not isinstance(exc, OperationalError):
        return False
    driver_error = exc.__cause__
    if isinstance(driver_error, sqlite3.Error):
        return getattr(driver_error, "sqlite_errorname", "") in _UNAVAILABLE_SQLITE_ERRORS
    # psycopg2 names it pgcode, psycopg 3 sqlstate; none at all when the connection failed.
    code = getattr(driver_error, "pgcode", None) or getattr(driver_error, "sqlstate", None)
    return code is None or code[:2] in _UNAVAILABLE_SQLSTATE_CLASSES


def _error_page(
    template_name: str, status: int, fallback_title: str, fallback_text: str, **context
):
    """``template_name`` in the active language, without the request; a plain page (in the
    same language) if even that fails."""
    try:
        body = render_to_string(template_name, {**i18n(None), **context})
    except Exception:  # the error page must not fail in turn
        logger.exception("Could not render %s; sending the plain fallback page.", template_name)
        body = (
            f"<!doctype html><title>{fallback_title}</title>"
            f"<h1>{fallback_title}</h1><p>{fallback_text}</p>"
        )
    return HttpResponse(body, status=status)


def service_unavailable() -> HttpResponse:
    """The 503 page: no context processor may touch the database."""
    response = _error_page(
        "503.html",
        503,
        _("Briefly unavailable"),
        _("The portal cannot reach its database right now. Please try again in a few seconds."),
        retry_after=RETRY_AFTER_SECONDS,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, template_name="500.html"):
    """handler500: 503 for a database outage, the 500 page for everything else."""
    if database_unavailable(sys.exception()):
        return service_unavailable()
    return _error_page(
        template_name,
        500,
        _("Something went wrong"),
        _(
            "The portal could not answer this request. It has been logged; please try again "
            "later, and tell your administrator if it keeps happening."
        ),
    )


def bad_request(request, exception, template_name="400.html"):
    """handler400: a request the portal cannot take (a bad Host, a malformed upload...)."""
    return _error_page(
        template_name,
        400,
        _("Bad request"),
        _("The portal could not understand this request. Go back and try again."),
    )
