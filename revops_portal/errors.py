"""The server-error handler: a database outage answers 503 "briefly unavailable", not 500.

Django turns an exception raised anywhere in a request (a view, or a middleware such as
sessions or auth that reads the database before any view runs) into a response by calling
`handler500` while the exception is being handled. That makes this the one place that sees
them all: a database that cannot be reached gets a 503 page with Retry-After, which tells
people and proxies to try again shortly; anything else stays the ordinary 500. With DEBUG on,
Django shows its technical page instead, as for every error.
"""

import logging
import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# SQLSTATE classes of a server that is gone or refusing work, not of a bad query:
# 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (shutting down, starting up).
_UNAVAILABLE_SQLSTATE_CLASSES = {"08", "53", "57"}
_UNAVAILABLE_SQLITE_ERRORS = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR"}
_FALLBACK_PAGE = (
    "<!doctype html><title>Briefly unavailable</title>"
    "<h1>Briefly unavailable</h1><p>The portal cannot reach its database right now. "
    "Please try again in a few seconds.</p>"
)


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


def service_unavailable() -> HttpResponse:
    """The 503 page, rendered without the request: no context processor may touch the database."""
    try:
        body = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    except Exception:  # the error page must not fail in turn
        logger.exception("Could not render 503.html; sending the plain fallback page.")
        body = _FALLBACK_PAGE
    return HttpResponse(body, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def server_error(request, template_name="500.html"):
    """handler500: 503 for a database outage, Django's own 500 page for everything else."""
    if database_unavailable(sys.exception()):
        return service_unavailable()
    return django_server_error(request, template_name=template_name)
