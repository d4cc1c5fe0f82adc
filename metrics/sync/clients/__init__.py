"""The CRMs, read through their own client libraries: one page of changes at a time.

- HubSpot (hubspot-api-client, private-app token): the CRM search API, filtered on
  `hs_lastmodifieddate` ≥ the cursor and sorted by it, paged with `after`; a search pages at most
  10,000 results, so a longer backfill starts a new search from the last page's date. Archived
  (deleted) records are listed apart (`archived=true`) and those archived since the cursor are
  deleted. A deal's or subscription's company comes from the associations API (one batch call per
  page).
- Salesforce (simple-salesforce: OAuth client credentials, JWT bearer, or username-password-
  token; the library does the OAuth): SOQL through `queryAll` (which includes deleted records,
  `IsDeleted`), ordered by `SystemModstamp, Id` and read in keyset pages after the cursor's
  (SystemModstamp, Id), so a page boundary is exact and a resumed sync re-reads nothing.
  An expired session is renewed once (a new login) and the page asked again.

Faults: both libraries send their requests through urllib3, whose `Retry` retries 429 and 5xx
answers and network errors with exponential backoff, honouring `Retry-After` (capped at
CRM_SYNC_MAX_WAIT_SECONDS). What still fails raises `CrmError` with a message for people, which
never holds a secret.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from urllib3.util.retry import Retry

from ..kinds import KindSource
from ..secrets import redact

PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class CrmError(Exception):
    """A request the CRM kept refusing or failing; the message is for people (no secrets)."""


class CredentialsRefused(CrmError):
    """The CRM refused the connection's credentials (expired, revoked, wrong)."""


class CappedRetry(Retry):
    """urllib3's Retry, with a Retry-After longer than CRM_SYNC_MAX_WAIT_SECONDS cut to it."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        if seconds is None:
            return None
        return min(seconds, settings.CRM_SYNC_MAX_WAIT_SECONDS)


def retry_policy() -> Retry:
    return CappedRetry(
        total=settings.CRM_SYNC_RETRIES,
        backoff_factor=float(settings.CRM_SYNC_BACKOFF_SECONDS),
        backoff_max=settings.CRM_SYNC_MAX_WAIT_SECONDS,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,  # HubSpot's search is a POST that only reads
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer reaches the library, which says what it was
    )


@dataclass(frozen=True)
class Position:
    """A kind's cursor: changes after (modified_since, last_id); archived after deleted_since."""

    modified_since: datetime | None = None
    last_id: str = ""
    deleted_since: datetime | None = None


@dataclass
class Page:
    records: list[dict[str, str]]  # property → cell text, as a CSV export would have it
    deleted: list[str]  # external ids deleted (archived) in the CRM
    position: Position  # the cursor once this page is applied
    total: int | None = None  # how many changes the CRM reports in all (progress), if it says


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_crm_time(text: str) -> datetime:
    """HubSpot's `2024-01-15T10:20:30.123Z`, Salesforce's `2024-01-15T10:20:30.000+0000`."""
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(UTC)


def _status_of(exc: Exception) -> int | None:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def check_properties(source: KindSource) -> None:
    for name in source.columns:
        if not PROPERTY_NAME.match(name):
            raise CrmError(
                _("“%(name)s” is not a CRM property name (letters, digits, _).")
                % {"name": name[:60]}
            )


class CrmClient(ABC):
    """One connection's CRM: its pages of changes per kind, and what it can read."""

    def __init__(self, connection, secrets: dict[str, str]):
        self.connection, self.secrets = connection, secrets

    @abstractmethod
    def changes(self, source: KindSource, position: Position) -> Iterator[Page]:
        """The pages of changes after `position`, each with the cursor once it is applied."""

    @abstractmethod
    def count(self, source: KindSource) -> int:
        """How many records of the kind the CRM holds."""

    def _fail(self, exc: Exception, what: str) -> CrmError:
        """`what`: what the client was doing, in words (READING, COUNTING... below)."""
        status = _status_of(exc)
        crm = self.connection.get_crm_display()
        if status in (401, 403) or "Authentication" in type(exc).__name__:
            return CredentialsRefused(
                _(
                    "%(crm)s refused the connection's credentials while %(what)s (expired, "
                    "revoked or wrong): edit the connection and enter them again."
                )
                % {"crm": crm, "what": what}
            )
        detail = redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, self.secrets)
        if status:
            detail = f"HTTP {status}: {detail}"
        return CrmError(
            _("%(crm)s failed while %(what)s: %(detail)s")
            % {"crm": crm, "what": what, "detail": detail[:300]}
        )


# What a client was doing when the CRM failed ("... failed while reading deals").
READING = gettext_lazy("reading %(object)s")
READING_COMPANIES = gettext_lazy("reading the companies of %(object)s")
READING_ARCHIVED = gettext_lazy("reading archived %(object)s")
COUNTING = gettext_lazy("counting %(object)s")
READING_OWNERS = gettext_lazy("reading owners")


def client_for(connection, secrets: dict[str, str]) -> CrmClient:
    # Imported here: each CRM's module imports this one's base classes.
    if connection.crm == "hubspot":
        from .hubspot import HubSpotClient

        return HubSpotClient(connection, secrets)
    from .salesforce import SalesforceClient

    return SalesforceClient(connection, secrets)
