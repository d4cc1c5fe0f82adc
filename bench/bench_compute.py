"""How metric computation scales with the data: the same year computed at 1× and 4× the records.

    .venv/bin/python bench/bench_compute.py [--accounts 500]
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_compute.py   # an EMPTY database

Builds a synthetic book (per account: 3 subscriptions, 6 opportunities), times
`compute_all` for one year and every cut, counting queries, at N and 4N accounts, and prints
the ratios measured in this one run. Database aggregation should keep the query count the same
and the time well under 4× the records' growth; a Python loop over rows would show 4× or worse.
Without DATABASE_URL it uses a throwaway SQLite file.
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

from metrics.calculations import compute_all  # noqa: E402
from metrics.models import Account, Opportunity, Subscription  # noqa: E402
from metrics.periods import Period  # noqa: E402
from metrics.services import cuts_to_compute  # noqa: E402

YEAR = Period.year(2025)


def add_accounts(first: int, count: int, rng: random.Random) -> None:
    accounts = Account.objects.bulk_create(
        Account(
            external_id=f"B-{i}", name=f"Account {i}", segment=rng.choice(["SMB", "Mid", "Ent"])
        )
        for i in range(first, first + count)
    )
    subscriptions, opportunities = [], []
    for account in accounts:
        for n in range(3):
            start = date(2024, 6, 1) + timedelta(days=rng.randrange(500))
            end = start + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.4 else None
            subscriptions.append(Subscription(
                external_id=f"{account.external_id}-S{n}", account=account, start_date=start,
                end_date=end, mrr=Decimal(rng.randrange(100, 5000)),
            ))  # fmt: skip
        for n in range(6):
            created = date(2024, 9, 1) + timedelta(days=rng.randrange(450))
            status = rng.choice(["open", "won", "lost"])
            close = None if status == "open" else created + timedelta(days=rng.randrange(5, 120))
            opportunities.append(Opportunity(
                external_id=f"{account.external_id}-O{n}", account=account, status=status,
                created_date=created, close_date=close, amount=Decimal(rng.randrange(500, 90000)),
                source=rng.choice(["Referral", "Events", "Paid Search"]),
            ))  # fmt: skip
    Subscription.objects.bulk_create(subscriptions, batch_size=2000)
    Opportunity.objects.bulk_create(opportunities, batch_size=2000)


def measure() -> tuple[float, int]:
    cuts = cuts_to_compute()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for cut in cuts:
            compute_all(YEAR, cut)
        elapsed = time.perf_counter() - started
    return elapsed, len(queries.captured_queries)


def main():
    parser = argparse.ArgumentParser(description="Metric computation at 1x and 4x the data.")
    parser.add_argument("--accounts", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Account.objects.exists():
        raise SystemExit("The database has accounts already: point DATABASE_URL at an empty one.")
    rng = random.Random(7)
    add_accounts(0, args.accounts, rng)
    small_time, small_queries = measure()
    add_accounts(args.accounts, 3 * args.accounts, rng)
    large_time, large_queries = measure()
    print(f"database: {connection.vendor}; one year, all cuts ({len(cuts_to_compute())})")
    print(f"{args.accounts:>6} accounts: {small_time:.3f} s, {small_queries} queries")
    print(f"{4 * args.accounts:>6} accounts: {large_time:.3f} s, {large_queries} queries")
    print(f"ratio at 4x the records: time {large_time / small_time:.2f}x, "
          f"queries {large_queries / small_queries:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
