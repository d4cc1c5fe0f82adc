"""The pages benchmark of issue 10 (bench/run): throughput of the portal's pages at scale ÷ that
of the floor, a login-required view rendering the base template with no queries of its own.

gunicorn (production settings, DEBUG off, 2 sync workers) serves bench/pages_settings.py (the
portal plus /bench/floor/) over the benchmark's database; a signed-in reader requests each page
from CONNECTIONS client processes at once for `page_seconds` (after a warm-up), and the floor is
measured the same way before and after the pages (its mean is the limit). Target: every page
≥ 0.5 × the floor. The client runs on the same cores as the server (as wrk would): it costs
the floor's requests and the pages' alike, so the ratio favours the pages a little.
"""

import http.client
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
CONNECTIONS = 8
PERIOD = "2025-10"
PASSWORD = "bench-" + secrets.token_hex(8)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SHORTCODES = (
    "Win rate {{ metric:win_rate period=2025-10 }}, ARR {{ metric:arr period=2025 }}, "
    "CAC {{ metric:cac period=2025-Q3 channel=Referral }}, NRR {{ metric:nrr segment=SMB }}, "
    "MRR {{ metric:mrr }}, pipeline {{ metric:open_pipeline_amount period=last_quarter }}.\n\n"
)
# One drill-down of each kind of table (drilldown.py): closed deals, open deals, renewals,
# forecasts, new customers, spend with new customers, accounts' MRR movements, the funnel's.
DRILLDOWN_KEYS = (
    "win_rate", "open_pipeline_count", "renewal_rate", "forecast_accuracy", "new_customers",
    "cac", "arr", "leads_created", "cost_per_lead", "lead_conversion_days",
)  # fmt: skip


def _request(port, path, cookies, *, form=None):
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://127.0.0.1:{port}{path}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST" if form is not None else "GET", path, body=body, headers=headers)
    reply = connection.getresponse()
    text = reply.read()
    for header in reply.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value
    connection.close()
    return reply.status, text


def _hammer(job):
    """One client process: GETs `path` from `start` for `seconds`; (completed 200s, errors)."""
    port, path, cookies, start, seconds = job
    while time.time() < start:
        time.sleep(0.001)
    done = errors = 0
    while time.time() < start + seconds:
        status, _ = _request(port, path, dict(cookies))
        if status == 200:
            done += 1
        else:
            errors += 1
    return done, errors


def throughput(pool, port, path, cookies, seconds) -> tuple[float, int]:
    for _ in range(2 * WORKERS):  # warm each worker's caches (kept revision HTML, templates)
        _request(port, path, dict(cookies))
    start = time.time() + 0.3
    outcomes = pool.map(_hammer, [(port, path, cookies, start, seconds)] * CONNECTIONS)
    return sum(done for done, _ in outcomes) / seconds, sum(errors for _, errors in outcomes)


def _prepare_content():
    """A reader to sign in as, and shortcodes on the Success metrics page."""
    from django.contrib.auth import get_user_model

    from playbook import services as playbook_services
    from playbook.models import Section

    users = get_user_model()
    reader = users.objects.filter(username="bench-reader").first()
    if reader is None:
        reader = users.objects.create_user("bench-reader", "reader@bench.invalid", PASSWORD)
    reader.set_password(PASSWORD)
    reader.save()
    section = Section.objects.get(slug="success-metrics")
    playbook_services.save_revision(
        section=section, author=reader, title=section.title, body=SHORTCODES * 4,
        change_note="bench", base_number=section.current_number,
    )  # fmt: skip


def _deep_cursor() -> int:
    """A closed deal 60 from the end of October's win-rate listing: its next page is deep."""
    from metrics import catalog, drilldown, selectors
    from metrics.cuts import Cut
    from metrics.periods import Period

    win_rate, october = catalog.BY_KEY["win_rate"], Period.month(2025, 10)
    run = selectors.latest_successful_run()
    table = drilldown.drilldown(win_rate, october, Cut(), run=run)[0]
    count = table.queryset.count()
    return table.queryset.values_list("pk", flat=True)[max(count - 60, 0)]


def pages() -> list[tuple[str, str]]:
    records = [
        (f"{key}_records", f"/metrics/{key}/records/?period={PERIOD}") for key in DRILLDOWN_KEYS
    ]
    return [
        ("playbook_toc", "/playbook/"),
        ("section_with_shortcodes", "/playbook/success-metrics/"),
        ("scorecard", f"/metrics/?period={PERIOD}"),
        ("metric_page", f"/metrics/win_rate/?period={PERIOD}"),
        *records,
        ("win_rate_records_deep_page", f"/metrics/win_rate/records/?period={PERIOD}&after={_deep_cursor()}"),
    ]  # fmt: skip


def _server_env(ctx, static_root) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.pages_settings",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": "bench-only-" + secrets.token_hex(24),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": ctx.dsn,
        "STATIC_ROOT": static_root,
    }
    env.pop("CELERY_BROKER_URL", None)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(ctx) -> list[dict]:
    from metrics.models import MetricRun

    if not MetricRun.objects.filter(status=MetricRun.Status.SUCCEEDED).exists():
        from metrics.services import compute_now

        compute_now(trigger=MetricRun.Trigger.COMMAND)
    _prepare_content()
    work = Path(tempfile.mkdtemp(prefix="revops-bench-pages-"))
    env = _server_env(ctx, str(work / "static"))
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    port = _free_port()
    log = (work / "gunicorn.log").open("w")
    gunicorn = str(Path(python).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "revops_portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
         "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                if _request(port, "/healthz", {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        cookies: dict = {}
        status, page = _request(port, "/accounts/login/", cookies)
        token = CSRF.search(page.decode())[1]
        status, _ = _request(
            port, "/accounts/login/", cookies,
            form={"csrfmiddlewaretoken": token, "username": "bench-reader", "password": PASSWORD},
        )  # fmt: skip
        assert status == 302, f"sign-in answered {status}"
        with multiprocessing.get_context("fork").Pool(CONNECTIONS) as pool:
            floor_before, floor_errors = throughput(
                pool, port, "/bench/floor/", cookies, ctx.page_seconds
            )
            measured = []
            for name, path in pages():
                rate, errors = throughput(pool, port, path, cookies, ctx.page_seconds)
                measured.append((name, path, rate, errors))
            floor_after, after_errors = throughput(
                pool, port, "/bench/floor/", cookies, ctx.page_seconds
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    floor = (floor_before + floor_after) / 2
    print(
        f"# floor {floor_before:.1f} req/s before the pages, {floor_after:.1f} after "
        f"({floor_errors + after_errors} errors); gunicorn {WORKERS} workers, "
        f"{CONNECTIONS} connections, {ctx.page_seconds:g} s a page",
        file=sys.stderr,
    )
    results = []
    for name, path, rate, errors in measured:
        results.append(
            {
                "name": f"page:{name}",
                "measured": round(rate, 2),
                "limit": round(floor, 2),
                "ratio": round(rate / floor, 3),
                "target": ">= 0.5",
                "passed": rate >= 0.5 * floor and errors == 0,
                "unit": "req/s",
                "path": path,
                "errors": errors,
            }
        )
    return results
