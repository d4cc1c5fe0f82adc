"""A deterministic synthetic company for the benchmarks (bench/run), loaded with COPY.

N opportunities over 36 months (2023–2025); N / 10 accounts with segments and industries;
N / 3 subscriptions (several per account: a first one, later ones that expand, contract, churn
or come back after a churn); 16 owners in three teams; 3 × N leads; 36 months of spend per channel
and category and a forecast per month. The same seed gives the same company. Every kind is also
written as a CSV in the importer's canonical format (header = the record kind's fields,
ISO dates, accounts by external id) into the data directory, for the import benchmark.
"""

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.utils import timezone

from metrics.importing.schema import RECORD_KINDS
from metrics.periods import Period

FIRST_DAY, LAST_DAY, MONTHS = date(2023, 1, 1), date(2025, 12, 31), 36
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
INDUSTRIES = ["Software", "Retail", "Health", "Finance", "Manufacturing", "Education"]
CHANNELS = ["Events", "Referral", "Paid Search", "Outbound", "Partner"]
TEAMS = {"East": 6, "West": 6, "Central": 4}
SEED = 2026


class _Writer:
    """Rows of one record kind: to its canonical CSV, and to PostgreSQL by COPY (psycopg2's
    copy_expert, from a text-format file written alongside)."""

    def __init__(self, data_dir: Path, kind: str, table: str, columns: list[str], cursor):
        self.file = (data_dir / f"{kind}.csv").open("w", newline="")
        self.csv = csv.writer(self.file)
        self.csv.writerow(RECORD_KINDS[kind].fields)
        self.copy_path = data_dir / f".{kind}.copy"
        self.copy_file = self.copy_path.open("w")
        self.statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.cursor = cursor
        self.count = 0

    def write(self, database_row, csv_row):
        self.copy_file.write("\t".join(r"\N" if v is None else str(v) for v in database_row))
        self.copy_file.write("\n")
        self.csv.writerow(["" if v is None else v for v in csv_row])
        self.count += 1

    def close(self) -> int:
        self.file.close()
        self.copy_file.close()
        with self.copy_path.open() as rows:
            self.cursor.copy_expert(self.statement, rows)
        self.copy_path.unlink()
        return self.count


def generate(opportunities: int, data_dir: Path) -> dict:
    """Load the company into the (empty, migrated) database and write its CSVs; the counts."""
    rng = random.Random(SEED)
    now = timezone.now()
    days = (LAST_DAY - FIRST_DAY).days
    accounts = max(opportunities // 10, 1)
    owners = [f"{team} rep {n}" for team, size in TEAMS.items() for n in range(size)]
    data_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg2's, for COPY

        def writer(kind, table, columns):
            return _Writer(data_dir, kind, table, columns, cursor)

        out = writer(
            "accounts",
            "metrics_account",
            ["id", "external_id", "name", "segment", "industry", "website", "created_date",
             "name_key", "website_domain", "updated_at"],
        )  # fmt: skip
        for n in range(accounts):
            name, segment, industry = f"Account {n}", rng.choice(SEGMENTS), rng.choice(INDUSTRIES)
            out.write(
                (n + 1, f"A{n}", name, segment, industry, "", FIRST_DAY, f"account {n}", "", now),
                (f"A{n}", name, segment, industry, "", FIRST_DAY.isoformat()),
            )
        counts["accounts"] = out.close()

        out = writer(
            "opportunities",
            "metrics_opportunity",
            ["id", "external_id", "account_id", "name", "owner", "amount", "stage", "status",
             "created_date", "close_date", "source", "type", "updated_at"],
        )  # fmt: skip
        for n in range(opportunities):
            created = FIRST_DAY + timedelta(days=rng.randrange(days))
            status = rng.choices(["won", "lost", "open"], [4, 4, 2])[0]
            close = None
            if status != "open":
                close = min(created + timedelta(days=rng.randrange(120)), LAST_DAY)
            kind = rng.choices(["new_business", "expansion", "renewal"], [6, 2, 2])[0]
            account, owner = rng.randrange(accounts), rng.choice(owners)
            amount = Decimal(rng.randrange(50_000, 5_000_000)) / 100
            source, stage = rng.choice(CHANNELS), {"won": "Closed Won", "lost": "Closed Lost"}
            stage = stage.get(status, "Negotiation")
            out.write(
                (n + 1, f"O{n}", account + 1, f"Deal {n}", owner, amount, stage, status, created,
                 close, source, kind, now),
                (f"O{n}", f"A{account}", f"Deal {n}", owner, amount, stage, status,
                 created.isoformat(), close.isoformat() if close else None, source, kind),
            )  # fmt: skip
        counts["opportunities"] = out.close()

        out = writer(
            "subscriptions",
            "metrics_subscription",
            ["id", "external_id", "account_id", "plan", "mrr", "start_date", "end_date",
             "updated_at"],
        )  # fmt: skip
        for n in range(max(opportunities // 3, 1)):
            # About three per account: later ones start while an earlier one runs (expansion),
            # replace it smaller (contraction) or start after it ended (reactivation); 45 % end.
            account = n % accounts
            start = FIRST_DAY + timedelta(days=rng.randrange(days))
            end = start + timedelta(days=rng.randrange(30, 700)) if rng.random() < 0.45 else None
            end = end if end is None or end <= LAST_DAY else None
            mrr = Decimal(rng.randrange(5_000, 500_000)) / 100
            out.write(
                (n + 1, f"S{n}", account + 1, "plan", mrr, start, end, now),
                (f"S{n}", f"A{account}", "plan", mrr, start.isoformat(),
                 end.isoformat() if end else None),
            )  # fmt: skip
        counts["subscriptions"] = out.close()

        out = writer(
            "leads",
            "metrics_lead",
            ["id", "external_id", "created_date", "source", "owner", "status", "qualified_date",
             "converted_date", "account_id", "updated_at"],
        )  # fmt: skip
        for n in range(3 * opportunities):
            created = FIRST_DAY + timedelta(days=rng.randrange(days))
            qualified = converted = account = None
            if rng.random() < 0.4:
                qualified = min(created + timedelta(days=rng.randrange(30)), LAST_DAY)
                if rng.random() < 0.3:
                    converted = min(qualified + timedelta(days=rng.randrange(60)), LAST_DAY)
                    account = rng.randrange(accounts)
            status = "converted" if converted else "qualified" if qualified else "new"
            source, owner = rng.choice(CHANNELS), rng.choice(owners)
            out.write(
                (n + 1, f"L{n}", created, source, owner, status, qualified, converted,
                 None if account is None else account + 1, now),
                (f"L{n}", created.isoformat(), "", source, owner, status,
                 qualified.isoformat() if qualified else None,
                 converted.isoformat() if converted else None,
                 None if account is None else f"A{account}"),
            )  # fmt: skip
        counts["leads"] = out.close()

        months = [Period.month(2023 + m // 12, m % 12 + 1) for m in range(MONTHS)]
        out = writer(
            "spend", "metrics_spend", ["month", "channel", "category", "amount", "updated_at"]
        )
        for month in months:
            for channel in CHANNELS:
                for category in ("marketing", "sales"):
                    amount = Decimal(rng.randrange(100_000, 10_000_000)) / 100
                    out.write(
                        (month.start, channel, category, amount, now),
                        (month.start.isoformat(), channel, category, amount),
                    )
        counts["spend"] = out.close()

        out = writer(
            "forecasts",
            "metrics_forecast",
            ["period_start", "period_end", "amount", "recorded_on", "updated_at"],
        )
        for month in months:
            amount = Decimal(rng.randrange(10**6, 10**8)) / 100
            out.write(
                (month.start, month.last_day, amount, month.start, now),
                (month.start.isoformat(), month.last_day.isoformat(), amount,
                 month.start.isoformat()),
            )  # fmt: skip
        counts["forecasts"] = out.close()

        out = writer("teams", "metrics_team", ["owner", "team", "updated_at"])
        for owner in owners:
            out.write((owner, owner.split()[0], now), (owner, owner.split()[0]))
        counts["teams"] = out.close()

        for table in (
            "metrics_account",
            "metrics_opportunity",
            "metrics_subscription",
            "metrics_lead",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"  # noqa: S608
            )
        cursor.execute("VACUUM ANALYZE" if connection.get_autocommit() else "ANALYZE")
    return counts
