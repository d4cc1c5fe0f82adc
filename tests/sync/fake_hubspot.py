"""A small HubSpot API on loopback: the real hubspot-api-client talks HTTP to it in the tests.

It answers the endpoints a sync uses, as HubSpot does (shapes recorded from the API reference):
the CRM search (filter on hs_lastmodifieddate GTE, ascending, `after` paging), the archived
listing, and the v4 associations batch read. Tests change records (`put`, `archive`), queue faults
(`fail_next`: a 429 with Retry-After, a 500, a 401) and read what was asked (`requests`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class Record:
    id: str
    properties: dict[str, str]
    modified: datetime
    company: str = ""
    archived_at: datetime | None = None


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict = field(default_factory=dict)


class FakeHubSpot:
    def __init__(self):
        self.objects: dict[str, dict[str, Record]] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, body)
        self.clock = START
        self.token = TOKEN
        self.owners = {
            "48213901": ("Ana", "Ruiz", "ana.ruiz@example.com"),
            "48213902": ("", "", "sam@example.com"),
        }
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds each answer takes (a slow CRM, for a sync caught half-way)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeHubSpot:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- What the tests do to the CRM ---

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def put(self, object_type: str, record_id: str, company: str = "", **properties) -> None:
        """Create or change a record (its hs_lastmodifieddate moves on)."""
        with self.lock:
            records = self.objects.setdefault(object_type, {})
            record = records.get(record_id)
            if record is None:
                record = records[record_id] = Record(record_id, {}, self.clock)
            record.properties.update(properties)
            record.modified = self.tick()
            record.company = company or record.company

    def archive(self, object_type: str, record_id: str) -> None:
        with self.lock:
            self.objects[object_type][record_id].archived_at = self.tick()

    def fail_next(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def searches(self, object_type: str) -> list[dict]:
        return [
            body
            for method, path, body in self.requests
            if path == f"/crm/v3/objects/{object_type}/search"
        ]

    # --- The API ---

    def _search(self, object_type: str, body: dict) -> dict:
        modified = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
        since = None
        for group in body.get("filterGroups", []):
            for condition in group["filters"]:
                assert condition["propertyName"] == modified
                assert condition["operator"] == "GTE"
                since = datetime.fromtimestamp(int(condition["value"]) / 1000, UTC)
        assert body["sorts"] == [{"propertyName": modified, "direction": "ASCENDING"}]
        live = [
            r
            for r in self.objects.get(object_type, {}).values()
            if r.archived_at is None and (since is None or r.modified >= since)
        ]
        live.sort(key=lambda r: (r.modified, int(r.id)))
        offset, limit = int(body.get("after") or 0), min(int(body.get("limit", 10)), 100)
        page = live[offset : offset + limit]
        wanted = body.get("properties", [])
        answer = {
            "total": len(live),
            "results": [
                {
                    "id": r.id,
                    "properties": {
                        **{name: r.properties.get(name) for name in wanted},
                        "hs_object_id": r.id,
                        modified: iso(r.modified),
                        "createdate": r.properties.get("createdate"),
                    },
                    "createdAt": iso(START),
                    "updatedAt": iso(r.modified),
                    "archived": False,
                }
                for r in page
            ],
        }
        if offset + limit < len(live):
            answer["paging"] = {"next": {"after": str(offset + limit)}}
        return answer

    def _archived(self, object_type: str, query: dict) -> dict:
        archived = sorted(
            (r for r in self.objects.get(object_type, {}).values() if r.archived_at),
            key=lambda r: int(r.id),
        )
        offset, limit = int(query.get("after", ["0"])[0]), int(query.get("limit", ["10"])[0])
        page = archived[offset : offset + limit]
        answer = {
            "results": [
                {
                    "id": r.id,
                    "properties": {"hs_object_id": r.id},
                    "createdAt": iso(START),
                    "updatedAt": iso(r.archived_at),
                    "archived": True,
                    "archivedAt": iso(r.archived_at),
                }
                for r in page
            ]
        }
        if offset + limit < len(archived):
            answer["paging"] = {"next": {"after": str(offset + limit)}}
        return answer

    def _owners(self) -> dict:
        return {
            "results": [
                {
                    "id": pk,
                    "email": email,
                    "type": "PERSON",
                    "firstName": first,
                    "lastName": last,
                    "userId": 9000 + n,
                    "userIdIncludingInactive": 9000 + n,
                    "createdAt": iso(START),
                    "updatedAt": iso(START),
                    "archived": False,
                }
                for n, (pk, (first, last, email)) in enumerate(self.owners.items())
            ]
        }

    def _associations(self, object_type: str, body: dict) -> dict:
        records = self.objects.get(object_type, {})
        results = []
        for item in body["inputs"]:
            record = records.get(item["id"])
            if record and record.company:
                results.append(
                    {
                        "from": {"id": record.id},
                        "to": [
                            {
                                "toObjectId": int(record.company),
                                "associationTypes": [
                                    {"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"}
                                ],
                            }
                        ],
                    }
                )
        now = iso(self.clock)
        return {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}

    def answer(self, method: str, path: str, query: dict, body: dict, auth: str):
        with self.lock:
            self.requests.append((method, path, body))
            if self.faults:
                fault = self.faults.pop(0)
                return fault.status, fault.headers, fault.body
            if auth != f"Bearer {self.token}":
                return (
                    401,
                    {},
                    {
                        "status": "error",
                        "message": "Authentication credentials not found. This API supports OAuth 2.0 "
                        "authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                        "correlationId": "4f9e1a3c-0000-4000-8000-000000000000",
                        "category": "INVALID_AUTHENTICATION",
                    },
                )
            if path == "/crm/v3/owners/":
                return 200, {}, self._owners()
            if match := re.fullmatch(r"/crm/v3/objects/(\w+)/search", path):
                return 200, {}, self._search(match[1], body)
            if match := re.fullmatch(r"/crm/v3/objects/(\w+)", path):
                return 200, {}, self._archived(match[1], query)
            if match := re.fullmatch(r"/crm/v4/associations/(\w+)/companies/batch/read", path):
                return 200, {}, self._associations(match[1], body)
            return 404, {}, {"status": "error", "message": f"No route {path}"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str):
                if fake.delay:
                    time.sleep(fake.delay)
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                status, headers, answer = fake.answer(
                    method,
                    parts.path,
                    parse_qs(parts.query),
                    body,
                    self.headers.get("Authorization", ""),
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, *args):
                pass

        return Handler
