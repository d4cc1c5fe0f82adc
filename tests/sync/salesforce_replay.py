"""Recorded Salesforce REST answers, replayed with `responses` behind simple-salesforce.

The shapes are Salesforce's (OAuth token answer, SOQL query results with `attributes`,
`SystemModstamp` as `2026-11-01T09:00:01.000+0000`, errors as a list of {message, errorCode});
the records live in `SalesforceOrg` so a test can change or delete them between syncs. The
query endpoint answers each keyset page from them as Salesforce would for our SOQL (ordered by
SystemModstamp and Id, after the cursor, LIMIT n, deleted rows too on `queryAll`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import responses

DOMAIN = "acme.my"
INSTANCE = "https://acme.my.salesforce.com"
TOKEN_URL = f"https://{DOMAIN}.salesforce.com/services/oauth2/token"
QUERY_ALL_URL = re.compile(re.escape(INSTANCE) + r"/services/data/v[\d.]+/queryAll/.*")
TOKEN_ANSWER = {
    "access_token": "00D5g000004XyZa!AQ4AQFakeSessionTokenForTests.0123456789",
    "signature": "bSDDiQTBr3ZQhA8SMz6Jg1rJv7hFjwNhXNvNnkBoWxw=",
    "instance_url": INSTANCE,
    "id": "https://login.salesforce.com/id/00D5g000004XyZaEAK/0055g00000A1b2cAAB",
    "token_type": "Bearer",
    "issued_at": "1793523600000",
}
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [{"message": "Too many requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
SERVER_ERROR = [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}]
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
WHERE = re.compile(
    r"WHERE SystemModstamp > (?P<since>\S+) OR \(SystemModstamp = \S+ AND Id > '(?P<id>[^']*)'\)"
)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class SalesforceOrg:
    def __init__(self):
        self.records: dict[str, dict[str, dict]] = {}
        self.clock = START
        self.faults: list[tuple[int, dict, list]] = []  # (status, headers, body) for next queries
        self.queries: list[str] = []
        self.logins = 0
        self.refuse_login = False
        self.on_token = lambda form: None  # sees each token request's form

    def put(self, sobject: str, record_id: str, **fields) -> None:
        self.clock += timedelta(seconds=1)
        records = self.records.setdefault(sobject, {})
        record = records.setdefault(
            record_id,
            {
                "attributes": {
                    "type": sobject,
                    "url": f"/services/data/v62.0/sobjects/{sobject}/{record_id}",
                },
                "Id": record_id,
                "IsDeleted": False,
            },
        )
        record.update(fields, SystemModstamp=stamp(self.clock))

    def delete(self, sobject: str, record_id: str) -> None:
        self.put(sobject, record_id, IsDeleted=True)

    def _token(self, request):
        if self.refuse_login:
            refused = {"error": "invalid_client", "error_description": "invalid client credentials"}
            return 400, {}, json.dumps(refused)
        self.logins += 1
        self.on_token(
            parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        )
        return 200, {}, json.dumps(TOKEN_ANSWER)

    def _query(self, request):
        soql = parse_qs(urlsplit(request.url).query)["q"][0]
        self.queries.append(soql)
        if self.faults:
            status, headers, body = self.faults.pop(0)
            return status, headers, json.dumps(body)
        sobject = re.search(r"FROM (\w+)", soql)[1]
        if soql.startswith("SELECT COUNT() "):
            live = [r for r in self.records.get(sobject, {}).values() if not r["IsDeleted"]]
            return 200, {}, json.dumps({"totalSize": len(live), "done": True, "records": []})
        limit = int(re.search(r"LIMIT (\d+)", soql)[1])
        fields = [f.strip() for f in re.search(r"SELECT (.*?) FROM", soql)[1].split(",")]
        rows = sorted(
            self.records.get(sobject, {}).values(), key=lambda r: (r["SystemModstamp"], r["Id"])
        )
        if match := WHERE.search(soql):
            since = match["since"].replace("Z", ".000+0000")
            rows = [r for r in rows if (r["SystemModstamp"], r["Id"]) > (since, match["id"])]
        page = rows[:limit]
        selected = [self._select(r, fields) for r in page]
        return 200, {}, json.dumps({"totalSize": len(page), "done": True, "records": selected})

    @staticmethod
    def _select(record: dict, fields: list[str]) -> dict:
        row = {"attributes": record["attributes"]}
        for field in fields:
            if "." in field:  # a relationship: Owner.Name → "Owner": {"attributes", "Name"}
                relation, name = field.split(".", 1)
                value = record.get(field)
                row[relation] = (
                    None if value is None else {"attributes": {"type": "User"}, name: value}
                )
            else:
                row[field] = record.get(field)
        return row

    def replay(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        mock.add_callback(responses.GET, QUERY_ALL_URL, callback=self._query)


def seed(org: SalesforceOrg) -> None:
    """Three accounts and four opportunities, as Salesforce's sample data has them."""
    for pk, name, industry in (
        ("0015g00000A1AAAAA1", "Edge Communications", "Electronics"),
        ("0015g00000A1AAAAA2", "Burlington Textiles Corp of America", "Apparel"),
        ("0015g00000A1AAAAA3", "Pyramid Construction Inc.", "Construction"),
    ):
        org.put(
            "Account", pk, Name=name, Industry=industry, CreatedDate="2026-01-05T10:00:00.000+0000"
        )
    common = {
        "LeadSource": "Web",
        "CreatedDate": "2026-03-01T10:00:00.000+0000",
        "Owner.Name": "Ana Ruiz",
    }
    org.put(
        "Opportunity",
        "0065g00000B1BBBBB1",
        AccountId="0015g00000A1AAAAA1",
        Name="Edge Emergency Generator",
        Amount=35000.0,
        StageName="Closed Won",
        IsClosed=True,
        IsWon=True,
        CloseDate="2026-04-10",
        Type="New Customer",
        **common,
    )
    org.put(
        "Opportunity",
        "0065g00000B1BBBBB2",
        AccountId="0015g00000A1AAAAA2",
        Name="Burlington Textiles Weaving Plant",
        Amount=235000.0,
        StageName="Closed Lost",
        IsClosed=True,
        IsWon=False,
        CloseDate="2026-04-20",
        Type="Existing Customer - Upgrade",
        **common,
    )
    org.put(
        "Opportunity",
        "0065g00000B1BBBBB3",
        AccountId="0015g00000A1AAAAA3",
        Name="Pyramid Emergency Generators",
        Amount=100000.0,
        StageName="Prospecting",
        IsClosed=False,
        IsWon=False,
        CloseDate="2026-06-30",
        Type=None,
        **common,
    )
    org.put(
        "Opportunity",
        "0065g00000B1BBBBB4",
        AccountId="0015g00000A1AAAAA1",
        Name="Edge Installation",
        Amount=50000.0,
        StageName="Closed Won",
        IsClosed=False,
        IsWon=True,
        CloseDate="2026-05-02",
        Type="New Customer",
        **common,
    )
