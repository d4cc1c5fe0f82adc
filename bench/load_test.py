"""Load test on loopback: many people at once on gunicorn + PostgreSQL + a Celery worker.

Usage (bench/run_load_test.sh starts the stack, seeds the demo and calls this):
    python bench/load_test.py --base http://127.0.0.1:8200 --users 50 --seconds 120 \
        --database-url postgres://...   # to check that no edit was lost

The people (all demo users, password demo-pass-2026; each virtual person has a session of its
own): one manager who imports a CSV of deals, starts the import, waits for it, asks for a
recomputation and waits for it, again and again; editors, two or three per section, who open
the editor, type for a while and save (so some save on a stale base and get the conflict page);
readers (table of contents, sections, history), searchers and dashboard viewers (scorecard,
metric pages, drill-downs). Everyone pauses a random "think time" between pages.

Everyone signs in first; the clock starts when all have. It reports throughput, p50/p95/p99 per
page kind and as ratios to the table of contents measured in the same run (absolute times vary
with the machine), errors (a 5xx, a failed connection or any status the page should not give)
and lost edits: every text an editor sent must be in a revision (read from the database at the
end) or have come back on the conflict page. Exit status 1 on any error or lost edit.
"""

import argparse
import http.client
import json
import random
import re
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

PASSWORD = "demo-pass-2026"
SECTIONS = [
    "revops-overview",
    "company-essentials",
    "target-audience",
    "tech-stack",
    "success-metrics",
    "tone-of-voice",
    "processes-and-workflows",
]
SEARCH_WORDS = ["customer", "pipeline", "churn", "onboarding", "pricing", "lead", "renewal"]
METRICS = ["win_rate", "arr", "nrr", "cac", "customer_churn_rate", "mrr", "new_customers"]
# Editors: (demo user, section they edit). Two or three on one section make conflicts.
EDITORS = [
    ("marketing", "target-audience"),
    ("marketing", "target-audience"),
    ("marketing", "target-audience"),
    ("sales", "products-and-services"),
    ("sales", "products-and-services"),
    ("cs", "tone-of-voice"),
    ("cs", "tone-of-voice"),
    ("champion", "tone-of-voice"),
]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BASE_NUMBER = re.compile(
    r'name="base_number"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="base_number"'
)
TITLE = re.compile(r'name="title"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="title"')
BASELINE = "toc"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.timings = defaultdict(list)  # kind → [seconds]
        self.errors = defaultdict(list)  # kind → [(status, path, detail)]
        self.edits = []  # (marker, section, outcome)
        self.background = defaultdict(list)  # "import"/"recompute" → [(seconds, outcome)]
        self.measuring = False

    def record(self, kind, elapsed, error=None):
        with self.lock:
            if self.measuring or kind == "login":
                self.timings[kind].append(elapsed)
                if error:
                    self.errors[kind].append(error)


class Person:
    """One person's session (cookies kept by hand: production cookies are Secure-flagged)."""

    def __init__(self, base, username, stats, rng, think):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.username, self.stats, self.rng, self.think_range = username, stats, rng, think
        self.cookies = {}

    def think(self, scale=1.0):
        low, high = self.think_range
        time.sleep(self.rng.uniform(low, high) * scale)

    def request(self, kind, path, *, form=None, files=None, expect=(200,)):
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, form or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        method = "POST" if body is not None else "GET"
        started = time.perf_counter()
        status, text, location = 599, "", ""
        try:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            status, text = reply.status, reply.read().decode("utf-8", "replace")
            location = reply.headers.get("Location", "")
            for header in reply.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            connection.close()
        except OSError as exc:
            text = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        error = None if status in expect else (status, path, text[:200])
        self.stats.record(kind, elapsed, error)
        return status, text, location

    def post(self, kind, path, form, *, token_page, files=None, expect=(302,)):
        token = CSRF.search(token_page)
        if not token:
            self.stats.record(kind, 0.0, (0, path, "no CSRF token on the page before"))
            return 0, "", ""
        return self.request(
            kind, path, form={"csrfmiddlewaretoken": token[1], **form}, files=files, expect=expect
        )

    def log_in(self):
        _, page, _ = self.request("login", "/accounts/login/")
        status, _, _ = self.post(
            "login",
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD},
            token_page=page,
        )
        return status == 302


def _multipart(boundary, fields, files):
    lines = []
    for name, value in fields.items():
        lines += [f"--{boundary}", f'Content-Disposition: form-data; name="{name}"', "", value]
    out = "\r\n".join(lines).encode() + b"\r\n"
    for name, (filename, data) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        out += data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


# --- What each kind of person does, until the deadline ------------------------------------------


def reader(person, deadline):
    while time.monotonic() < deadline:
        slug = person.rng.choice(SECTIONS)
        person.request("toc", "/playbook/")
        person.think()
        person.request("section", f"/playbook/{slug}/")
        person.think()
        if person.rng.random() < 0.3:
            person.request("history", f"/playbook/{slug}/history/")
            person.think()


def searcher(person, deadline):
    while time.monotonic() < deadline:
        word = person.rng.choice(SEARCH_WORDS)
        person.request("search", f"/playbook/search/?q={word}")
        person.think()
        person.request("section", f"/playbook/{person.rng.choice(SECTIONS)}/")
        person.think()


def dashboard_viewer(person, deadline):
    while time.monotonic() < deadline:
        key = person.rng.choice(METRICS)
        person.request("scorecard", "/metrics/")
        person.think()
        person.request("metric", f"/metrics/{key}/")
        person.think()
        person.request("drilldown", f"/metrics/{key}/records/")
        person.think()


def editor(section):
    def edit_loop(person, deadline):
        while time.monotonic() < deadline:
            path = f"/playbook/{section}/edit/"
            status, page, _ = person.request("edit_form", path)
            base, title = BASE_NUMBER.search(page), TITLE.search(page)
            if status != 200 or not base or not title:
                person.think()
                continue
            person.think(scale=2.0)  # typing
            marker = f"edit{uuid.uuid4().hex}"
            form = {
                "base_number": base[1] or base[2],
                "title": title[1] or title[2],
                "body": f"# Load test\n\nEdited by {person.username}: {marker}.\n",
                "change_note": "Load test edit",
            }
            status, reply, _ = person.post(
                "edit_save", path, form, token_page=page, expect=(302, 409)
            )
            if status == 302:
                outcome = "saved"
            elif status == 409:  # the conflict page must give the text back
                outcome = "returned" if marker in reply else "conflict page without the text"
            else:
                outcome = f"status {status}"
            with person.stats.lock:
                person.stats.edits.append((marker, section, outcome))
            person.think()

    return edit_loop


def deals_csv(batch: str, rows: int) -> bytes:
    lines = ["external_id,name,amount,status,created_date,close_date"]
    for n in range(rows):
        won = n % 3 == 0
        lines.append(
            f"LOAD-{batch}-{n},Load deal {n},{1000 + n},{'won' if won else 'open'},"
            f"2026-0{1 + n % 9}-10,{f'2026-0{1 + n % 9}-28' if won else ''}"
        )
    return ("\n".join(lines) + "\n").encode()


def wait_for_job(person, kind, path, deadline, done):
    """Poll a status.json every second, as the progress page does; the seconds it took or None."""
    started = time.monotonic()
    while time.monotonic() < deadline + 120:
        status, text, _ = person.request(kind, path)
        if status == 200:
            data = json.loads(text)
            if done(data):
                return time.monotonic() - started, data.get("status", "")
        time.sleep(1)
    return None, "unfinished"


def manager(person, deadline):
    batch = 0
    while time.monotonic() < deadline:
        batch += 1
        _, page, _ = person.request("import_form", "/metrics/imports/new/")
        status, _, location = person.post(
            "import_upload",
            "/metrics/imports/new/",
            {"kind": "opportunities", "preset": "generic", "mapping": "", "status_from_stage": ""},
            token_page=page,
            files={"file": (f"deals-{batch}.csv", deals_csv(str(batch), 300))},
        )
        if status != 302:
            person.think()
            continue
        detail = urlsplit(location).path
        _, page, _ = person.request("import_detail", detail)
        person.post("import_start", detail, {}, token_page=page)
        took, outcome = wait_for_job(
            person, "import_status", detail + "status.json", deadline, lambda d: d["done"]
        )
        with person.stats.lock:
            person.stats.background["import"].append((took, outcome))
        _, page, _ = person.request("scorecard", "/metrics/")
        status, _, location = person.post("recompute", "/metrics/recompute/", {}, token_page=page)
        run = re.search(r"run=(\d+)", location)
        if status == 302 and run:
            took, outcome = wait_for_job(
                person,
                "run_status",
                f"/metrics/runs/{run[1]}/status.json",
                deadline,
                lambda d: d["status"] in ("succeeded", "failed"),
            )
            with person.stats.lock:
                person.stats.background["recompute"].append((took, outcome))
        person.think()


def cast(users: int):
    """(demo user, what they do) for `users` people: 1 manager, up to 8 editors, then a mix."""
    people = [("manager", manager)]
    people += [(name, editor(section)) for name, section in EDITORS[: max(0, users // 6)]]
    others = [("reader", reader), ("reader", searcher), ("reader", dashboard_viewer)]
    weights = [0.35, 0.25, 0.40]  # readers, searchers, dashboard viewers
    rest = users - len(people)
    counts = [int(rest * w) for w in weights]
    counts[2] += rest - sum(counts)
    for (name, role), count in zip(others, counts, strict=True):
        people += [(name, role)] * count
    return people[:users]


# --- Checking and reporting ------------------------------------------------------------------------


def lost_edits(edits, database_url):
    """Texts saved (302) but in no revision, read from the database; None without a URL."""
    if not database_url:
        return None
    import psycopg2

    saved = [(marker, section) for marker, section, outcome in edits if outcome == "saved"]
    with psycopg2.connect(database_url) as db, db.cursor() as cursor:
        cursor.execute("SELECT body FROM playbook_revision WHERE body LIKE %s", ["%Load test%"])
        bodies = "\n".join(row[0] for row in cursor.fetchall())
    db.close()
    return [marker for marker, _ in saved if marker not in bodies]


def percentile(ordered, p):
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(stats, wall, users, database_url):
    kinds = sorted(k for k in stats.timings if k != "login")
    total = sum(len(stats.timings[k]) for k in kinds)
    errors = sum(len(stats.errors[k]) for k in kinds) + len(stats.errors["login"])
    print(f"\n{users} people, {wall:.0f} s measured, {total} requests, {total / wall:.1f} req/s")
    logins = sorted(stats.timings["login"])
    if logins:
        print(
            f"sign-in before the clock: {len(logins)} requests, p50 {logins[len(logins) // 2]:.2f} s"
        )
    print(
        f"{'page':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p50 ×toc':>10}{'errors':>8}"
    )
    base = statistics.median(stats.timings[BASELINE]) if stats.timings[BASELINE] else None
    for kind in kinds:
        times = sorted(stats.timings[kind])
        p50 = statistics.median(times)
        ratio = f"{p50 / base:.2f}" if base else "-"
        print(
            f"{kind:<14}{len(times):>9}{p50 * 1000:>9.0f}{percentile(times, 95) * 1000:>9.0f}"
            f"{percentile(times, 99) * 1000:>9.0f}{ratio:>10}{len(stats.errors[kind]):>8}"
        )
    for kind, rows in sorted(stats.errors.items()):
        for status, path, detail in rows[:3]:
            print(f"  error {kind}: {status} {path} {detail!r}")
    outcomes = Counter(outcome for _, _, outcome in stats.edits)
    print(f"edits sent: {len(stats.edits)}; outcomes: {dict(outcomes)}")
    bad_outcomes = sum(n for outcome, n in outcomes.items() if outcome not in ("saved", "returned"))
    lost = lost_edits(stats.edits, database_url)
    if lost is None:
        print("lost edits: not checked (no --database-url)")
        lost = []
    else:
        print(f"lost edits (saved, yet in no revision): {len(lost)}")
    for name, rows in sorted(stats.background.items()):
        finished = [took for took, outcome in rows if took is not None]
        print(
            f"{name}: {len(rows)} done, outcomes {dict(Counter(o for _, o in rows))}, "
            f"median {statistics.median(finished):.1f} s from start to finish"
            if finished
            else f"{name}: {len(rows)} started, none finished"
        )
    return errors + bad_outcomes + len(lost)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8200")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"))
    parser.add_argument("--database-url", help="PostgreSQL URL to check that no edit was lost")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    stats = Stats()
    people = [
        (Person(args.base, name, stats, random.Random(args.seed * 1000 + i), args.think), role)
        for i, (name, role) in enumerate(cast(args.users))
    ]
    # Sign-ins are spread out (a few at a time): each hashes a password, which is slow on purpose.
    signed_in, gate = [], threading.Semaphore(4)

    def sign_in(person):
        with gate:
            signed_in.append(person.log_in())

    threads = [threading.Thread(target=sign_in, args=(p,)) for p, _ in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not all(signed_in):
        print(f"{signed_in.count(False)} of {len(people)} people could not sign in:")
        for status, path, detail in stats.errors["login"][:5]:
            print(f"  {status} {path} {detail!r}")
        raise SystemExit(1)
    stats.measuring = True
    started = time.monotonic()
    deadline = started + args.seconds
    # Requests count while the clock runs; the manager may then wait up to two minutes more
    # for the import or recomputation in progress to finish (its outcome is still reported).
    clock = threading.Timer(args.seconds, lambda: setattr(stats, "measuring", False))
    clock.start()
    threads = [threading.Thread(target=role, args=(p, deadline)) for p, role in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = report(stats, args.seconds, args.users, args.database_url)
    print("RESULT:", "PASS (0 errors, 0 lost edits)" if not failures else f"FAIL ({failures})")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
