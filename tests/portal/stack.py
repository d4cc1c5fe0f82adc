"""A throwaway production stack for the outage tests: its own PostgreSQL, Redis, gunicorn, worker.

Everything runs on loopback on free ports, in one temporary directory, as in production
(DEBUG off, static files collected, a Redis broker): a test can stop and start each server
without disturbing the test database of the rest of the suite.
"""

import glob
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "outage-test-password-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.")


def _pg_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        pytest.fail("PostgreSQL's initdb was not found (bin/test installs postgresql).")
    return Path(found[-1]).parent


class PostgresServer:
    """A PostgreSQL cluster of our own, which a test may stop and start."""

    def __init__(self, directory: Path):
        self.directory, self.port, self.bin = directory, free_port(), _pg_bin()
        self.data = directory / "pg"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, cwd="/", capture_output=True, timeout=60)

    def create(self) -> None:
        if os.getuid() == 0:
            shutil.chown(self.directory, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "revops")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "pg.log"), "-w",
                  "start", "-o", options)  # fmt: skip

    def stop(self) -> None:
        """A fast shutdown, as a restart does: open connections are cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # not running

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/revops"

    def query(self, sql: str, *params):
        import psycopg2

        with psycopg2.connect(self.url, connect_timeout=5) as db, db.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        db.close()
        return rows


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    """Redis configured as a broker should be (docker-compose.yml): append-only, no eviction."""
    server = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--maxmemory-policy",
            "noeviction",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=0.2)

    def answers():
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    wait_until(answers, 15, "redis-server")
    return server


def stop_process(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class Browser:
    """One person's cookies against the stack (kept by hand: the cookies are Secure-flagged)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Reply(response.status, response.headers, text)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict, *, token_from: str) -> Reply:
        page = self.get(token_from)
        token = CSRF.search(page.text)
        assert token, f"no CSRF token on {token_from} ({page.status})"
        return self.request("POST", path, {"csrfmiddlewaretoken": token[1], **form})

    def log_in(self, username: str) -> None:
        reply = self.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD},
            token_from="/accounts/login/",
        )
        assert reply.status == 302, reply.text[:500]


# A year and a half of deals and subscriptions (as tests/metrics/test_worker.py's book).
SEED = f"""
from datetime import date, timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from metrics.models import Account, Opportunity, Subscription
get_user_model().objects.create_superuser("manager", "manager@example.com", {PASSWORD!r})
for n in range(12):
    account = Account.objects.create(external_id=f"A-{{n}}", name=f"Account {{n}}",
                                     segment=["SMB", "Enterprise"][n % 2])
    won_on = date(2016, 8, 10) + timedelta(days=30 * n)
    Opportunity.objects.create(external_id=f"W-{{n}}", account=account, status="won",
        amount=Decimal(1000 + n), created_date=won_on - timedelta(days=20), close_date=won_on,
        source=["Events", "Referral"][n % 2])
    Subscription.objects.create(external_id=f"S-{{n}}", account=account, mrr=Decimal(100 + n),
        start_date=won_on, end_date=won_on + timedelta(days=200) if n % 3 == 0 else None)
"""


class Stack:
    """PostgreSQL + Redis + gunicorn (2 workers) + one Celery worker, in production settings."""

    def __init__(self, directory: Path, *, worker_delay: float):
        self.directory = directory
        self.postgres = PostgresServer(directory)
        self.redis_port, self.web_port = free_port(), free_port()
        self.worker_delay = worker_delay
        self.processes: list[subprocess.Popen] = []
        self.redis: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "METRICS_"))}
        return {
            **env,
            "DJANGO_SETTINGS_MODULE": "revops_portal.settings",
            "SECRET_KEY": "outage-test-" + "k" * 50,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": self.postgres.url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "STATIC_ROOT": str(self.directory / "static"),
            "MEDIA_ROOT": str(self.directory / "media"),
            "PRIVATE_ROOT": str(self.directory / "private"),
            "LOG_LEVEL": "WARNING",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log_path = self.directory / f"{name}.log"
        log = open(log_path, "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.log_path = log_path
        self.processes.append(process)
        return process

    def start(self) -> None:
        self.postgres.create()
        self.redis = start_redis(self.redis_port, self.directory)
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("shell", "-c", SEED)
        self.web = self._spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "revops_portal.wsgi",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],  # fmt: skip
            self.env,
        )
        self.worker = self._spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "revops_portal",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],  # fmt: skip
            {**self.env, "METRICS_TEST_DELAY_SECONDS": str(self.worker_delay)},
        )
        browser = Browser(self.web_port)

        def serving():
            try:
                return browser.get("/healthz").status == 200
            except OSError:
                return False

        wait_until(serving, 60, "gunicorn")
        wait_until(lambda: "ready." in self.worker.log_path.read_text(), 60, "the Celery worker")

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.log_path.name}:\n{p.log_path.read_text()[-3000:]}" for p in self.processes
        )

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process, signal.SIGKILL)
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait(timeout=10)
        self.postgres.destroy()
