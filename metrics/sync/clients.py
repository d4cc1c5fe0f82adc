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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .kinds import HUBSPOT_COMPANY, KindSource
from .secrets import redact

HUBSPOT_MODIFIED = "hs_lastmodifieddate"
# Contacts keep their last change in a property of another name.
HUBSPOT_MODIFIED_BY_OBJECT = {"contacts": "lastmodifieddate"}
HUBSPOT_OWNER = "hubspot_owner_id"  # read as the owner's name (the owners API)
HUBSPOT_SEARCH_WINDOW = 10_000
MAX_IDS_AT_CURSOR = 200  # records modified at the cursor's millisecond remembered by id  # the search API pages through at most this many results
SALESFORCE_API_VERSION = "62.0"
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


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_time(text: str) -> datetime:
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
            raise CrmError(f"“{name[:60]}” is not a CRM property name (letters, digits, _).")


class CrmClient:
    """One connection's CRM: its pages of changes per kind, and what it can read."""

    def __init__(self, connection, secrets: dict[str, str]):
        self.connection, self.secrets = connection, secrets

    def changes(self, source: KindSource, position: Position) -> Iterator[Page]:
        raise NotImplementedError

    def count(self, source: KindSource) -> int:
        raise NotImplementedError

    def _fail(self, exc: Exception, what: str) -> CrmError:
        status = _status_of(exc)
        if status in (401, 403) or "Authentication" in type(exc).__name__:
            return CredentialsRefused(
                f"{self.connection.get_crm_display()} refused the connection's credentials while "
                f"{what} (expired, revoked or wrong): edit the connection and enter them again."
            )
        detail = redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, self.secrets)
        if status:
            detail = f"HTTP {status}: {detail}"
        return CrmError(f"{self.connection.get_crm_display()} failed while {what}: {detail[:300]}")


def client_for(connection, secrets: dict[str, str]) -> CrmClient:
    if connection.crm == "hubspot":
        return HubSpotClient(connection, secrets)
    return SalesforceClient(connection, secrets)


# --- HubSpot ------------------------------------------------------------------------------------


def _modified_property(source: KindSource) -> str:
    return HUBSPOT_MODIFIED_BY_OBJECT.get(source.object_name, HUBSPOT_MODIFIED)


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


class HubSpotClient(CrmClient):
    def __init__(self, connection, secrets):
        super().__init__(connection, secrets)
        from hubspot import HubSpot

        self.api = HubSpot(
            access_token=secrets.get("access_token", ""),
            retry=retry_policy(),
            host=settings.CRM_HUBSPOT_API_URL,
        )
        self._last_call = 0.0
        self._owners: dict[str, str] | None = None

    def _call(self, what: str, function: Callable, *args, **kwargs):
        # The search API's limit is a few requests per second per account.
        wait = self._last_call + float(settings.CRM_SYNC_MIN_REQUEST_INTERVAL) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            raise self._fail(exc, what) from None
        finally:
            self._last_call = time.monotonic()

    def _search(self, source: KindSource, since: datetime | None, after: str | None, limit: int):
        from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

        modified = _modified_property(source)
        groups = []
        if since is not None:
            groups = [
                FilterGroup(
                    filters=[Filter(property_name=modified, operator="GTE", value=_millis(since))]
                )
            ]
        request = PublicObjectSearchRequest(
            filter_groups=groups,
            sorts=[{"propertyName": modified, "direction": "ASCENDING"}],
            properties=[*source.fetched, modified],
            limit=limit,
            after=after,
        )
        return self._call(
            f"reading {source.object_name}",
            self.api.crm.objects.search_api.do_search,
            object_type=source.object_name,
            public_object_search_request=request,
        )

    def _companies(self, source: KindSource, ids: list[str]) -> dict[str, str]:
        """Each record's associated company (the first one)."""
        from hubspot.crm.associations.v4 import (
            BatchInputPublicFetchAssociationsBatchRequest,
            PublicFetchAssociationsBatchRequest,
        )

        if not ids:
            return {}
        response = self._call(
            f"reading the companies of {source.object_name}",
            self.api.crm.associations.v4.batch_api.get_page,
            from_object_type=source.object_name,
            to_object_type="companies",
            batch_input_public_fetch_associations_batch_request=(
                BatchInputPublicFetchAssociationsBatchRequest(
                    inputs=[PublicFetchAssociationsBatchRequest(id=pk) for pk in ids]
                )
            ),
        )
        companies = {}
        for result in response.results or []:
            if result.to:
                companies[result._from.id] = str(result.to[0].to_object_id)
        return companies

    def _owner_names(self) -> dict[str, str]:
        """Owner id → "First Last" (or e-mail): the owner cut groups deals by a person's name,
        as a HubSpot export's "Deal owner" column has it. Read once per sync."""
        if self._owners is None:
            self._owners, after = {}, None
            while True:
                response = self._call(
                    "reading owners",
                    self.api.crm.owners.owners_api.get_page,
                    limit=100,
                    after=after,
                )
                for owner in response.results or []:
                    name = " ".join(filter(None, [owner.first_name, owner.last_name]))
                    self._owners[str(owner.id)] = name or owner.email or str(owner.id)
                paging = response.paging
                after = paging.next.after if paging and paging.next else None
                if not after:
                    break
        return self._owners

    def changes(self, source: KindSource, position: Position) -> Iterator[Page]:
        limit = min(settings.CRM_SYNC_PAGE_SIZE, 100)
        owners = self._owner_names() if HUBSPOT_OWNER in source.columns else {}
        # One search keeps its filter while it pages; `since` follows the records read.
        searched_since = since = position.modified_since
        cursor_moment, seen_at_cursor = since, set(filter(None, position.last_id.split(",")))
        last_ids = list(seen_at_cursor)
        after = None
        wants_company = HUBSPOT_COMPANY in source.columns
        while True:
            response = self._search(source, searched_since, after, limit)
            results = response.results or []
            companies = self._companies(source, [r.id for r in results]) if wants_company else {}
            records = []
            for result in results:
                properties = {**(result.properties or {}), "hs_object_id": result.id}
                modified = properties.get(_modified_property(source))
                moment = _parse_time(modified) if modified else result.updated_at
                if moment == cursor_moment and result.id in seen_at_cursor:
                    continue  # read by the previous sync (the search's filter is ≥ the cursor)
                properties[HUBSPOT_COMPANY] = companies.get(result.id, "")
                owner = properties.get(HUBSPOT_OWNER)
                if owner:
                    properties[HUBSPOT_OWNER] = owners.get(str(owner), owner)
                records.append({name: _text(properties.get(name)) for name in source.columns})
                if since is None or moment > since:
                    since, last_ids = moment, []
                if moment == since:
                    last_ids.append(result.id)
            # The ids read at the cursor's millisecond, so the next sync skips them.
            position = replace(
                position, modified_since=since, last_id=",".join(last_ids[-MAX_IDS_AT_CURSOR:])
            )
            # The total is a backfill's progress; an incremental search's counts the cursor's own.
            total = response.total if cursor_moment is None else None
            yield Page(records=records, deleted=[], position=position, total=total)
            paging = response.paging
            following = paging.next.after if paging and paging.next else None
            if not following:
                break
            if int(following) + limit > HUBSPOT_SEARCH_WINDOW:
                # The search window ends here: search again from the last page's date.
                if since == searched_since:
                    raise CrmError(
                        f"More than {HUBSPOT_SEARCH_WINDOW} {source.object_name} were modified "
                        "at the same millisecond: the search API cannot page through them."
                    )
                searched_since, after = since, None
                cursor_moment, seen_at_cursor = since, set(last_ids)
            else:
                after = following
        yield from self._archived(source, position)

    def _archived(self, source: KindSource, position: Position) -> Iterator[Page]:
        after, latest = None, position.deleted_since
        while True:
            response = self._call(
                f"reading archived {source.object_name}",
                self.api.crm.objects.basic_api.get_page,
                object_type=source.object_name,
                limit=100,
                after=after,
                archived=True,
            )
            deleted = []
            for result in response.results or []:
                archived_at = result.archived_at
                if position.deleted_since is None or (
                    archived_at and archived_at > position.deleted_since
                ):
                    deleted.append(result.id)
                if archived_at and (latest is None or archived_at > latest):
                    latest = archived_at
            after = response.paging.next.after if response.paging and response.paging.next else None
            yield Page(
                records=[],
                deleted=deleted,
                # The archived list is not ordered by date: the cursor moves once it is all read.
                position=replace(
                    position, deleted_since=latest if not after else position.deleted_since
                ),
            )
            if not after:
                break

    def count(self, source: KindSource) -> int:
        return self._search(source, None, None, 1).total


# --- Salesforce ---------------------------------------------------------------------------------


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _field(record: dict, name: str):
    """A field of a SOQL record; `Owner.Name` reads the related record's field."""
    value = record
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class SalesforceClient(CrmClient):
    def __init__(self, connection, secrets):
        super().__init__(connection, secrets)
        self._api = None

    def _login(self):
        from simple_salesforce import Salesforce

        session = requests.Session()
        session.mount("https://", HTTPAdapter(max_retries=retry_policy()))
        connection, secrets = self.connection, self.secrets
        common = {
            "domain": connection.domain or "login",
            "session": session,
            "version": SALESFORCE_API_VERSION,
        }
        if connection.auth == "sf_client_credentials":
            return Salesforce(
                consumer_key=connection.client_id,
                consumer_secret=secrets.get("client_secret", ""),
                **common,
            )
        if connection.auth == "sf_jwt":
            return Salesforce(
                username=connection.username,
                consumer_key=connection.client_id,
                privatekey=secrets.get("private_key", ""),
                **common,
            )
        return Salesforce(
            username=connection.username,
            password=secrets.get("password", ""),
            security_token=secrets.get("security_token", ""),
            **common,
        )

    def _query(self, what: str, soql: str) -> dict:
        from simple_salesforce.exceptions import SalesforceExpiredSession

        for attempt in range(2):
            try:
                if self._api is None:
                    self._api = self._login()
                return self._api.query(soql, include_deleted=True)
            except SalesforceExpiredSession as exc:
                self._api = None  # log in again, once
                if attempt:
                    raise self._fail(exc, what) from None
            except Exception as exc:
                raise self._fail(exc, what) from None
        raise AssertionError("unreachable")

    def changes(self, source: KindSource, position: Position) -> Iterator[Page]:
        check_properties(source)
        limit = min(settings.CRM_SYNC_PAGE_SIZE, 2000)
        fields = ", ".join(dict.fromkeys(["Id", "SystemModstamp", "IsDeleted", *source.fetched]))
        since, last_id = position.modified_since, position.last_id
        # A backfill's progress: how many records there are to read.
        total = self.count(source) if since is None else None
        while True:
            where = ""
            if since is not None:
                moment = _soql_time(since)
                last = last_id.replace("\\", "\\\\").replace("'", "\\'")
                where = (
                    f"WHERE SystemModstamp > {moment} "
                    f"OR (SystemModstamp = {moment} AND Id > '{last}') "
                )
            # Names checked by check_properties, the Id escaped, the time formatted: no injection.
            soql = (
                f"SELECT {fields} FROM {source.object_name} {where}"  # noqa: S608
                f"ORDER BY SystemModstamp, Id LIMIT {limit}"
            )
            rows = self._query(f"reading {source.object_name}", soql).get("records", [])
            if not rows:
                break
            records, deleted = [], []
            for row in rows:
                if row.get("IsDeleted"):
                    deleted.append(row["Id"])
                else:
                    records.append({name: _text(_field(row, name)) for name in source.columns})
            since, last_id = _parse_time(rows[-1]["SystemModstamp"]), rows[-1]["Id"]
            position = replace(position, modified_since=since, last_id=last_id)
            yield Page(records=records, deleted=deleted, position=position, total=total)
            if len(rows) < limit:
                break

    def count(self, source: KindSource) -> int:
        check_properties(source)
        soql = f"SELECT COUNT() FROM {source.object_name}"  # noqa: S608 (a checked name)
        result = self._query(f"counting {source.object_name}", soql)
        return result.get("totalSize", 0)
