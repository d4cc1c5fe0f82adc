"""Load test on loopback: concurrent users reading, editing and viewing dashboards.

Usage (bench/run_load_test.sh starts PostgreSQL + gunicorn and calls this):
    python bench/load_test.py --base http://127.0.0.1:8200 --users 8 --seconds 60

Each virtual user logs in, then loops over: the table of contents, a section, search, the
scorecard, a metric page, a drill-down, and (for section owners) an edit saved through the form.
It reports requests, errors and latency per page kind, and ratios between page kinds measured in
this one run (absolute times vary from machine to machine). Exit status 1 if any request failed.
"""

import argparse
import http.cookiejar
import random
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

PASSWORD = "demo-pass-2026"
READERS = ["reader", "champion", "manager"]
EDITORS = {
    "marketing": "company-essentials",
    "sales": "products-and-services",
    "cs": "tone-of-voice",
}
SECTIONS = ["revops-overview", "target-audience", "tech-stack", "success-metrics", "tone-of-voice"]
METRICS = ["win_rate", "arr", "nrr", "cac", "customer_churn_rate"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BASE_NUMBER = re.compile(
    r'name="base_number"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="base_number"'
)


class User:
    def __init__(self, base, username, results, lock):
        self.base, self.username, self.results, self.lock = base, username, results, lock
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, kind, path, data=None):
        url = self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + "/"}
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(url, body, headers), timeout=30) as reply:
                status, text = reply.status, reply.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, ""
        except OSError as exc:
            status, text = 599, str(exc)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.results[kind].append((elapsed, status))
        return status, text

    def login(self):
        _, page = self.request("login", "/accounts/login/")
        token = CSRF.search(page)[1]
        self.request(
            "login",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD},
        )

    def edit(self, slug):
        status, page = self.request("edit_form", f"/playbook/{slug}/edit/")
        token, base = CSRF.search(page), BASE_NUMBER.search(page)
        if status != 200 or not token or not base:
            return
        number = base[1] or base[2]
        self.request(
            "edit_save",
            f"/playbook/{slug}/edit/",
            {
                "csrfmiddlewaretoken": token[1],
                "base_number": number,
                "title": slug.replace("-", " ").capitalize(),
                "body": f"# Load test\n\nEdited by {self.username} at {time.time():.3f}.\n",
                "change_note": "Load test edit",
            },
        )

    def loop(self, deadline, max_requests, rng):
        self.login()
        done = 0
        while time.monotonic() < deadline and done < max_requests:
            slug, key = rng.choice(SECTIONS), rng.choice(METRICS)
            self.request("toc", "/playbook/")
            self.request("section", f"/playbook/{slug}/")
            self.request("search", "/playbook/search/?q=customer")
            self.request("scorecard", "/metrics/")
            self.request("metric", f"/metrics/{key}/")
            self.request("drilldown", f"/metrics/{key}/records/")
            if self.username in EDITORS and rng.random() < 0.3:
                self.edit(EDITORS[self.username])
            done += 6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8200")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=5000, help="per user, a hard bound")
    args = parser.parse_args()

    results, lock = defaultdict(list), threading.Lock()
    names = (READERS + list(EDITORS)) * (args.users // 6 + 1)
    users = [User(args.base, name, results, lock) for name in names[: args.users]]
    deadline = time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=u.loop, args=(deadline, args.max_requests, random.Random(i)))
        for i, u in enumerate(users)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started

    total = sum(len(v) for v in results.values())
    # 4xx on edit_save means a stale base (409 conflict page) — expected under concurrency.
    errors = sum(
        1
        for kind, rows in results.items()
        for _, status in rows
        if status >= 500 or (status >= 400 and not (kind == "edit_save" and status == 409))
    )
    print(
        f"{args.users} users, {wall:.0f} s, {total} requests, {total / wall:.1f} req/s, {errors} errors"
    )
    medians = {}
    print(f"{'page':<11} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'errors':>7}")
    for kind in sorted(results):
        times = sorted(t for t, _ in results[kind])
        medians[kind] = statistics.median(times)
        p95 = times[int(0.95 * (len(times) - 1))]
        bad = sum(1 for _, s in results[kind] if s >= 500 or (s >= 400 and s != 409))
        print(
            f"{kind:<11} {len(times):>8} {medians[kind] * 1000:>10.1f} {p95 * 1000:>8.1f} {bad:>7}"
        )
    if "toc" in medians:
        print("median latency relative to the table of contents (same run):")
        for kind in sorted(medians):
            print(f"  {kind:<11} {medians[kind] / medians['toc']:.2f}x")
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
