"""The metric-run benchmarks of issue 10 (bench/run), each measured against its limit in one run.

- scan: one aggregate pass over the opportunities plus one over the subscriptions (the unit);
- one_period: every metric and every cut for one month, computed here ÷ scan, target ≤ 3 (the
  kept tables current: what a computation costs while no record is written);
- kept_fill: every kept table filled from the records (metrics/calculations/kept.py), as the
  first computation after a write fills the ones it derives from ÷ scan; informational;
- full_history: a real run (`services.compute_now`, as `compute_metrics` does: every period the
  data covers × every cut, values stored) in a child process ÷ scan, target ≤ 15;
- run_peak_rss: that child's peak resident memory, target < 300 MB;
- incremental: after the full run, a typical day's import (the 1 % of opportunities created
  last, their amounts changed, through `import_crm` with the run only queued) and the run it
  asks for, which computes only the periods those records can change ÷ one_period, target ≤ 2.
"""

import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

MONTH = (2025, 10)


def scan() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), SUM(amount), MIN(created_date), MAX(close_date) FROM metrics_opportunity"
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT COUNT(*), SUM(mrr), MIN(start_date), MAX(end_date) FROM metrics_subscription"
        )
        cursor.fetchall()


def best_of(work, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def one_period() -> None:
    """Every metric each cut has, for one month: the engine's batch when it has one."""
    from metrics import calculations
    from metrics.periods import Period
    from metrics.services import cuts_to_compute

    month, cuts = Period.month(*MONTH), cuts_to_compute()
    if hasattr(calculations, "compute_many"):
        calculations.compute_many([month], cuts)
    else:
        for cut in cuts:
            calculations.compute_all(month, cut)


def kept_fill() -> None:
    """Every kept table filled again from the records: their stamps emptied, then made current."""
    from metrics import calculations
    from metrics.calculations import kept
    from metrics.models import KeptStamp

    KeptStamp.objects.all().delete()
    kept.ensure(*calculations.KEPT)


def full_run_in_child(data_dir: Path) -> dict:
    """A real full run in a fresh process: its seconds (the run alone) and peak RSS; then the
    incremental run after a day's import (`_incremental_run`)."""
    child = subprocess.run(
        [sys.executable, __file__, "--full-run", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def result(name, measured, limit, ratio, target, passed, unit=""):
    return {
        "name": name,
        "measured": round(measured, 4),
        "limit": round(limit, 4) if isinstance(limit, float) else limit,
        "ratio": round(ratio, 3),
        "target": target,
        "passed": bool(passed),
        "unit": unit,
    }


def run(ctx) -> list[dict]:
    scan_seconds = best_of(scan, 5)
    one_period()  # warm the planner's statistics and Python's imports
    one = best_of(one_period, 3)
    fill = best_of(kept_fill, 3)
    full = full_run_in_child(Path(ctx.data_dir))
    rss = full["peak_rss_mb"]
    day = full["incremental"]
    return [
        result("scan", scan_seconds, scan_seconds, 1.0, "unit", True, "s"),
        result("one_period", one, scan_seconds, one / scan_seconds, "<= 3", one <= 3 * scan_seconds, "s"),
        result("kept_fill", fill, scan_seconds, fill / scan_seconds, "info", True, "s"),
        result(
            "full_history", full["seconds"], scan_seconds, full["seconds"] / scan_seconds,
            "<= 15", full["seconds"] <= 15 * scan_seconds, "s",
        ),
        result("run_peak_rss", rss, 300.0, rss / 300.0, "< 300 MB", rss < 300, "MB"),
        result(
            f"incremental ({day['records']} opportunities, {day['periods']} of "
            f"{full['periods']} periods)", day["seconds"], one, day["seconds"] / one,
            "<= 2", day["seconds"] <= 2 * one, "s",
        ),
    ]  # fmt: skip


def _full_run(data_dir: Path) -> None:
    import django

    django.setup()
    from metrics.models import MetricRun, MetricValue
    from metrics.services import compute_now, periods_to_compute

    started = time.perf_counter()
    made = compute_now(trigger=MetricRun.Trigger.COMMAND)
    seconds = time.perf_counter() - started
    assert made.status == MetricRun.Status.SUCCEEDED, made.error
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    values = MetricValue.objects.of_run(made).count()
    incremental = _incremental_run(data_dir)
    print(json.dumps({
        "seconds": seconds, "peak_rss_mb": peak, "values": values,
        "periods": len(periods_to_compute()), "incremental": incremental,
    }))  # fmt: skip


def _a_days_import(data_dir: Path) -> tuple[Path, int]:
    """The 1 % of opportunities created last, each amount one more: a day's changed records."""
    with open(data_dir / "opportunities.csv", newline="") as source:
        reader = csv.DictReader(source)
        rows = sorted(reader, key=lambda row: row["created_date"])
    changed = rows[-max(1, len(rows) // 100) :]
    for row in changed:
        row["amount"] = str(float(row["amount"] or 0) + 1)
    path = data_dir / "a_days_opportunities.csv"
    with open(path, "w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(changed)
    return path, len(changed)


def _incremental_run(data_dir: Path) -> dict:
    """The run the import asks for (the embedded worker computes it; this waits), timed from its
    start to its finish as the run records them."""
    from io import StringIO

    from django.core.management import call_command

    from metrics import incremental
    from metrics.models import MetricRun
    from metrics.services import periods_to_compute

    before = MetricRun.objects.latest("pk").pk
    path, records = _a_days_import(data_dir)
    call_command("import_crm", "opportunities", str(path), stdout=StringIO(), stderr=StringIO())
    waited = time.monotonic()
    while True:
        run = MetricRun.objects.filter(pk__gt=before).latest("pk")
        if run.finished_at or time.monotonic() - waited > 900:
            break
        time.sleep(0.2)
    assert run.status == MetricRun.Status.SUCCEEDED, (run.status, run.error)
    changed = incremental.from_json(run.changes or [])
    periods = sum(incremental.overlaps(period, changed) for period in periods_to_compute())
    seconds = (run.finished_at - run.started_at).total_seconds()
    return {"seconds": seconds, "records": records, "periods": periods}


if __name__ == "__main__" and sys.argv[1:2] == ["--full-run"]:
    _full_run(Path(sys.argv[2]))
