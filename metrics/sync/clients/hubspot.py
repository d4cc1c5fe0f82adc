"""HubSpot through hubspot-api-client: the CRM search API paged by modification date."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from ..kinds import HUBSPOT_COMPANY, KindSource
from . import (
    READING,
    READING_ARCHIVED,
    READING_COMPANIES,
    READING_OWNERS,
    CrmClient,
    CrmError,
    Page,
    Position,
    cell_text,
    parse_crm_time,
    retry_policy,
)

HUBSPOT_MODIFIED = "hs_lastmodifieddate"
# Contacts keep their last change in a property of another name.
HUBSPOT_MODIFIED_BY_OBJECT = {"contacts": "lastmodifieddate"}
HUBSPOT_OWNER = "hubspot_owner_id"  # read as the owner's name (the owners API)
HUBSPOT_SEARCH_WINDOW = 10_000  # the search API pages through at most this many results
MAX_IDS_AT_CURSOR = 200  # records modified at the cursor's millisecond remembered by id


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
            READING % {"object": source.object_name},
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
            READING_COMPANIES % {"object": source.object_name},
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
                    str(READING_OWNERS),
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
                moment = parse_crm_time(modified) if modified else result.updated_at
                if moment == cursor_moment and result.id in seen_at_cursor:
                    continue  # read by the previous sync (the search's filter is ≥ the cursor)
                properties[HUBSPOT_COMPANY] = companies.get(result.id, "")
                owner = properties.get(HUBSPOT_OWNER)
                if owner:
                    properties[HUBSPOT_OWNER] = owners.get(str(owner), owner)
                records.append({name: cell_text(properties.get(name)) for name in source.columns})
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
                        _(
                            "More than %(count)s %(object)s were modified at the same "
                            "millisecond: the search API cannot page through them."
                        )
                        % {"count": HUBSPOT_SEARCH_WINDOW, "object": source.object_name}
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
                READING_ARCHIVED % {"object": source.object_name},
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
