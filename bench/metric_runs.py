"""The metric-run benchmarks of issue 10 (bench/run), each measured against its limit in one run.

- scan: one aggregate pass over the opportunities plus one over the subscriptions (the unit);
- one_period: every metric and every cut for one month, computed here ÷ scan, target ≤ 3;
- full_history: a real run (`services.compute_now`, as `compute_metrics` does: every period the
  data covers × every cut, values stored) in a child process ÷ scan, target ≤ 15;
- run_peak_rss: that child's peak resident memory, target < 300 MB.
"""

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


def full_run_in_child() -> dict:
    """A real full run in a fresh process: its seconds (the run alone) and peak RSS."""
    child = subprocess.run(
        [sys.executable, __file__, "--full-run"],
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
    full = full_run_in_child()
    rss = full["peak_rss_mb"]
    return [
        result("scan", scan_seconds, scan_seconds, 1.0, "unit", True, "s"),
        result("one_period", one, scan_seconds, one / scan_seconds, "<= 3", one <= 3 * scan_seconds, "s"),
        result(
            "full_history", full["seconds"], scan_seconds, full["seconds"] / scan_seconds,
            "<= 15", full["seconds"] <= 15 * scan_seconds, "s",
        ),
        result("run_peak_rss", rss, 300.0, rss / 300.0, "< 300 MB", rss < 300, "MB"),
    ]  # fmt: skip


def _full_run() -> None:
    import django

    django.setup()
    from metrics.models import MetricRun
    from metrics.services import compute_now

    started = time.perf_counter()
    made = compute_now(trigger=MetricRun.Trigger.COMMAND)
    seconds = time.perf_counter() - started
    assert made.status == MetricRun.Status.SUCCEEDED, made.error
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "values": made.values.count()}))


if __name__ == "__main__" and sys.argv[1:] == ["--full-run"]:
    _full_run()
