"""Benchmark 1 of issue 10: `import_crm opportunities` against PostgreSQL's COPY of the same file.

    .venv/bin/python bench/imports.py --dsn postgres://postgres@127.0.0.1:5432/revops \\
        --data-dir DIR   # DIR holds accounts.csv and opportunities.csv (canonical columns)

`run(ctx)` is what bench/run calls (ctx: .dsn, .scale, .data_dir). In a database of its own on
the same server (created, migrated and dropped here, so the harness's data is left alone):
1. the accounts are imported (not timed: the opportunities name them);
2. the limit: COPY of opportunities.csv into an unindexed table with the file's columns (numeric
   amount, date dates, text the rest), from the client as `psql \\copy` sends it;
3. the measure: `import_crm opportunities opportunities.csv` in a process of its own, timed from
   the call to its return (the file validated, staged, upserted and committed; the metrics
   recomputation it queues is benchmark 4's), and that process's peak RSS.
Targets: at most 4 × COPY's time (≥ 25 % of its rate), peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
TIME_TARGET = 4.0  # × COPY's time
RSS_LIMIT_MB = 300
BENCH_DATABASE_SUFFIX = "_bench_imports"


def run(ctx) -> list[dict]:
    data_dir = Path(ctx.data_dir)
    opportunities = data_dir / "opportunities.csv"
    with _own_database(ctx.dsn) as dsn:
        _manage(dsn, "migrate", "--noinput")
        _manage(dsn, "import_crm", "accounts", str(data_dir / "accounts.csv"))
        copy_seconds = _copy_seconds(dsn, opportunities)
        measured = json.loads(_manage(dsn, "shell", "-c", _CHILD.format(path=str(opportunities))))
    seconds, rss_mb = measured["seconds"], measured["peak_rss_mb"]
    return [
        _line("import_crm opportunities ÷ COPY", seconds, copy_seconds, TIME_TARGET),
        _line("import peak RSS MB ÷ 300 MB", rss_mb, RSS_LIMIT_MB, 1.0),
    ]


def _line(name: str, measured: float, limit: float, target: float) -> dict:
    ratio = measured / limit if limit else float("inf")
    return {
        "name": name,
        "measured": round(measured, 3),
        "limit": round(limit, 3),
        "ratio": round(ratio, 3),
        "target": target,
        "passed": ratio <= target,
    }


# Run in the import's own process (manage.py shell -c): the command as a person runs it, timed
# to its return; then the process ends at once, not waiting for the recomputation it queued.
_CHILD = """
import json, os, resource, time
from io import StringIO
from django.core.management import call_command
start = time.perf_counter()
call_command("import_crm", "opportunities", {path!r}, stdout=StringIO(), stderr=StringIO())
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_rss_mb": peak}}), flush=True)
os._exit(0)
"""


def _manage(dsn: str, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "DJANGO_SETTINGS_MODULE": "revops_portal.settings",
        # Production settings (DEBUG off: no query log), as the command runs on a server.
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-imports-" + "x" * 40),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "localhost",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


class _own_database:
    """A database of the benchmark's own on the DSN's server, dropped afterwards."""

    def __init__(self, dsn: str):
        self.parts = urlsplit(dsn)
        self.name = self.parts.path.lstrip("/") + BENCH_DATABASE_SUFFIX

    def _admin(self, sql: str) -> None:
        import psycopg2

        connection = psycopg2.connect(urlunsplit(self.parts._replace(path="/postgres")))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def __enter__(self) -> str:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')
        return urlunsplit(self.parts._replace(path=f"/{self.name}"))

    def __exit__(self, *exc) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _column_type(name: str) -> str:
    if name == "amount":
        return "numeric"
    return "date" if name.endswith("_date") else "text"


def _copy_seconds(dsn: str, path: Path) -> float:
    """COPY of the file into an unindexed table of its columns, committed."""
    import psycopg2

    with path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    columns = ", ".join(f'"{name}" {_column_type(name)}' for name in header)
    connection = psycopg2.connect(dsn)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE bench_copy ({columns})")
        connection.commit()
        with path.open("rb") as handle, connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
            connection.commit()
            seconds = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_copy")
        connection.commit()
    finally:
        connection.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--scale", default="")
    args = parser.parse_args()
    ctx = SimpleNamespace(dsn=args.dsn, data_dir=args.data_dir, scale=args.scale)
    for line in run(ctx):
        verdict = "PASS" if line["passed"] else "FAIL"
        print(
            f"{line['name']}  {line['measured']}  {line['limit']}  {line['ratio']}  "
            f"{line['target']}  {verdict}"
        )
    print(f"parent peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
