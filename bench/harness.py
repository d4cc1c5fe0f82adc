"""bench/run [--scale 10k|100k|1m|N]: the benchmarks of issue 10 on a synthetic company.

Generates the company (bench/synthetic.py) into an empty PostgreSQL database, then runs each
benchmark module's `run(ctx)` (bench/metric_runs.py, bench/pages.py, and bench/imports.py when
present), each measuring its figure and its limit in this same run, and prints one line per
benchmark, `name  measured  limit  ratio  target  PASS|FAIL`, then the same figures as one JSON
object on the last line. Exit status 1 when a benchmark fails. docs/benchmarks.md says more.
"""

import argparse
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops_portal.settings")

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
MODULES = ("metric_runs", "pages", "imports")  # imports last: it writes records


@dataclass
class Context:
    dsn: str
    scale: int
    data_dir: Path
    page_seconds: float


def scale(text: str) -> int:
    if text in SCALES:
        return SCALES[text]
    if text.isdigit() and 10 <= int(text) <= 10_000_000:
        return int(text)  # a small number: the harness's own smoke test
    raise argparse.ArgumentTypeError("10k, 100k, 1m or a number of opportunities")


def line(entry: dict) -> str:
    verdict = "PASS" if entry["passed"] else "FAIL"
    return (
        f"{entry['name']:<34} {entry['measured']:>11.4f} {entry['limit']:>11.4f} "
        f"{entry['ratio']:>10.3f}  {entry['target']:<10}{verdict}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=scale, default=SCALES["10k"])
    parser.add_argument("--only", help="comma-separated benchmark modules (default: all)")
    parser.add_argument("--page-seconds", type=float, default=3.0, help="seconds per page")
    parser.add_argument("--keep-data", action="store_true", help="keep the generated CSVs")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import synthetic
    from metrics.models import Opportunity

    if connection.vendor != "postgresql":
        raise SystemExit("bench/run measures PostgreSQL: set DATABASE_URL or let it start one.")
    call_command("migrate", verbosity=0)
    if Opportunity.objects.exists():
        raise SystemExit("The database has records already: point DATABASE_URL at an empty one.")
    data_dir = Path(tempfile.mkdtemp(prefix="revops-bench-"))
    started = time.perf_counter()
    counts = synthetic.generate(args.scale, data_dir)
    generated = time.perf_counter() - started
    print(f"# generated {counts} in {generated:.1f} s ({data_dir})", file=sys.stderr)
    ctx = Context(
        dsn=os.environ["DATABASE_URL"],
        scale=args.scale,
        data_dir=data_dir,
        page_seconds=args.page_seconds,
    )
    wanted = args.only.split(",") if args.only else MODULES
    results = []
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}" or args.only:
                raise
            print(f"# bench/{name}.py is not here: skipped", file=sys.stderr)
            continue
        print(f"# running bench/{name}.py", file=sys.stderr)
        results += module.run(ctx)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH.parent
    ).stdout.strip()
    print(f"{'name':<34} {'measured':>11} {'limit':>11} {'ratio':>10}  {'target':<10}result")
    for entry in results:
        print(line(entry))
    report = {
        "scale": args.scale,
        "records": counts,
        "commit": commit,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "postgresql": connection.cursor().connection.info.server_version,
        "benchmarks": results,
    }
    if not args.keep_data:
        shutil.rmtree(data_dir)
    print(json.dumps(report))
    return 0 if all(entry["passed"] for entry in results) else 1


if __name__ == "__main__":
    sys.exit(main())
