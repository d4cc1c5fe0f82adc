"""How long the data-quality check takes: every finding of metrics/quality.py over a synthetic
book of 100,000 opportunities (and 20,000 accounts, 30,000 subscriptions, 50,000 leads), with
problems sown in.

    .venv/bin/python bench/bench_quality.py [--opportunities 100000]
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_quality.py   # an EMPTY database

Times `quality.evaluate` (the counts and impacts the check stores) at N/4 and N opportunities,
counting queries: the count must stay the same; the time grows with the rows the database
scans, never with a Python loop over them. Without DATABASE_URL it uses a throwaway SQLite file.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops_portal.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from metrics import quality  # noqa: E402
from metrics.models import Account, Lead, Opportunity, Subscription  # noqa: E402

TODAY = date(2026, 11, 15)
SUFFIXES = ["", " Inc", ", Inc.", " Ltd", " GmbH", " S.A."]


def add_book(first: int, opportunities: int, rng: random.Random) -> None:
    """Accounts (one per 5 opportunities; some names and domains repeat), opportunities, and
    subscriptions for most won accounts."""
    accounts = Account.objects.bulk_create(
        (
            Account(
                external_id=f"B-{i}",
                name=f"Company {i // 2 if i % 10 == 0 else i}{rng.choice(SUFFIXES)}",
                website=f"company{i // 3 if i % 15 == 0 else i}.com",
                segment="" if i % 20 == 0 else rng.choice(["SMB", "Mid", "Ent"]),
            )
            for i in range(first // 5, (first + opportunities) // 5)
        ),
        batch_size=2000,
    )
    rows, subscriptions = [], []
    for n in range(first, first + opportunities):
        account = accounts[(n - first) // 5]
        status = rng.choice(["won", "lost", "open", "open"])
        created = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        close = created + timedelta(days=rng.randrange(-20, 120))
        rows.append(Opportunity(
            external_id=f"O-{n}", account=None if n % 97 == 0 else account, status=status,
            amount=None if n % 50 == 0 else Decimal(rng.randrange(1000, 90000)),
            created_date=created, close_date=close, source="" if n % 9 == 0 else "Web",
        ))  # fmt: skip
        if status == "won" and n % 4:
            subscriptions.append(Subscription(
                external_id=f"S-{n}", account=account, mrr=Decimal(rng.randrange(100, 3000)),
                start_date=close + timedelta(days=rng.randrange(0, 60)),
            ))  # fmt: skip
    Opportunity.objects.bulk_create(rows, batch_size=2000)
    Subscription.objects.bulk_create(subscriptions, batch_size=2000)
    # One lead per two opportunities: one in 40 an e-mail typed again (another case, a space),
    # one in 8 converted, a few of those without the account they became.
    leads = []
    for n in range(first // 2, (first + opportunities) // 2):
        created = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        converted = created + timedelta(days=rng.randrange(1, 90)) if n % 8 == 0 else None
        email = f"person{n - 1 if n % 40 == 0 else n}@example.com"
        leads.append(Lead(
            external_id=f"L-{n}", email=email.upper() if n % 40 == 0 else email,
            created_date=created, converted_date=converted,
            account=None if n % 24 == 0 else accounts[(n * 2 - first) // 5],
        ))  # fmt: skip
    Lead.objects.bulk_create(leads, batch_size=2000)


def slowest(count: int = 3) -> list[tuple[str, float]]:
    """The findings that take longest to count (with their impact), slowest first."""
    timings = []
    for kind in quality.FINDINGS:
        started = time.perf_counter()
        records = kind.records(TODAY)
        found = records.count()
        if kind.impact and found:
            kind.impact(records, found, TODAY)
        timings.append((kind.code, time.perf_counter() - started))
    return sorted(timings, key=lambda timing: -timing[1])[:count]


def measure() -> tuple[float, int, dict]:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        results = quality.evaluate(today=TODAY)
        elapsed = time.perf_counter() - started
    return elapsed, len(captured.captured_queries), {r.kind.code: r.count for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Opportunity.objects.exists():
        sys.exit("The database has opportunities already: use an empty one.")
    rng = random.Random(11)
    quarter = args.opportunities // 4
    add_book(0, quarter, rng)
    small = measure()
    add_book(quarter, args.opportunities - quarter, rng)
    large = measure()
    print(f"database: {connection.vendor}")
    for label, (elapsed, queries, _counts) in (
        (f"{quarter:,} opportunities", small),
        (f"{args.opportunities:,} opportunities", large),
    ):
        print(f"{label}: {elapsed:.2f} s, {queries} queries")
    print("findings at the larger size:")
    for code, count in large[2].items():
        print(f"  {code}: {count:,}")
    print("slowest findings at the larger size:")
    for code, seconds in slowest():
        print(f"  {code}: {seconds:.2f} s")
    print(f"time ratio: {large[0] / small[0]:.1f}× for 4× the records; queries equal: "
          f"{small[1] == large[1]}")  # fmt: skip


if __name__ == "__main__":
    main()
