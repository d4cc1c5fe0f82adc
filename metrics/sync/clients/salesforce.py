"""Salesforce through simple-salesforce: SOQL read in keyset pages of (SystemModstamp, Id)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from ..kinds import KindSource
from . import (
    COUNTING,
    READING,
    CrmClient,
    Page,
    Position,
    cell_text,
    check_properties,
    parse_crm_time,
    retry_policy,
)

SALESFORCE_API_VERSION = "62.0"


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
            rows = self._query(READING % {"object": source.object_name}, soql).get("records", [])
            if not rows:
                break
            records, deleted = [], []
            for row in rows:
                if row.get("IsDeleted"):
                    deleted.append(row["Id"])
                else:
                    records.append({name: cell_text(_field(row, name)) for name in source.columns})
            since, last_id = parse_crm_time(rows[-1]["SystemModstamp"]), rows[-1]["Id"]
            position = replace(position, modified_since=since, last_id=last_id)
            yield Page(records=records, deleted=deleted, position=position, total=total)
            if len(rows) < limit:
                break

    def count(self, source: KindSource) -> int:
        check_properties(source)
        soql = f"SELECT COUNT() FROM {source.object_name}"  # noqa: S608 (a checked name)
        result = self._query(COUNTING % {"object": source.object_name}, soql)
        return result.get("totalSize", 0)
