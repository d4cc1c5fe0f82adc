"""A database outage answers 503 "briefly unavailable", and the portal recovers by itself.

The first tests call the error handler with real driver errors (both test passes). The
`services` tests run a production stack of their own (tests/portal/stack.py: PostgreSQL,
Redis, gunicorn and a Celery worker) and stop and start its PostgreSQL while it serves.
"""

import re
import shutil
import socket
import sqlite3
import tempfile
from pathlib import Path

import psycopg2
import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.urls import get_resolver

from revops_portal.errors import RETRY_AFTER_SECONDS, database_unavailable, server_error

from .stack import CSRF, PASSWORD, Browser, Stack, wait_until


def handled(raise_error):
    """What handler500 answers while `raise_error()`'s exception is being handled."""
    request = RequestFactory().get("/playbook/")
    try:
        raise_error()
    except Exception as exc:
        return exc, server_error(request)
    pytest.fail("nothing was raised")


def unreachable_postgresql():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        psycopg2.connect(host="127.0.0.1", port=port, dbname="x", connect_timeout=2)
    except psycopg2.OperationalError as driver_error:
        # What Django's DatabaseErrorWrapper raises for it.
        raise OperationalError(*driver_error.args) from driver_error


def unopenable_sqlite():
    try:
        sqlite3.connect("/nonexistent-directory/revops.sqlite3")
    except sqlite3.OperationalError as driver_error:
        raise OperationalError(*driver_error.args) from driver_error


def assert_unavailable_page(reply_status, headers, text):
    assert reply_status == 503
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Briefly unavailable" in text
    for leak in ("Traceback", "OperationalError", "InterfaceError", "psycopg", "Server Error"):
        assert leak not in text


def test_django_calls_our_handler_for_server_errors():
    assert get_resolver().resolve_error_handler(500) is server_error


@pytest.mark.parametrize("raise_error", [unreachable_postgresql, unopenable_sqlite])
def test_a_database_that_cannot_be_reached_answers_503_briefly_unavailable(raise_error):
    exc, response = handled(raise_error)
    assert database_unavailable(exc)
    assert_unavailable_page(response.status_code, response, response.content.decode())


@pytest.mark.django_db
def test_a_bad_query_is_still_a_500_not_an_outage():
    def bad_query():
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM no_such_table")

    exc, response = handled(bad_query)
    assert not database_unavailable(exc)
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_any_other_error_is_a_500():
    exc, response = handled(lambda: 1 / 0)
    assert not database_unavailable(exc)
    assert response.status_code == 500


# --- Against a running production stack ---------------------------------------------------------


@pytest.fixture(scope="module")
def stack():
    directory = Path(tempfile.mkdtemp(prefix="revops-outage-"))
    directory.chmod(0o755)
    running = Stack(directory, worker_delay=0.3)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def manager(stack):
    browser = Browser(stack.web_port)
    browser.log_in("manager")
    return browser


def statuses(browser, path, times) -> list[int]:
    return [browser.get(path).status for _ in range(times)]


@pytest.mark.services
def test_with_postgresql_down_pages_answer_503_and_recover_by_themselves(stack, manager):
    visitor = Browser(stack.web_port)
    login_form = visitor.get("/accounts/login/")
    assert manager.get("/playbook/").status == 200
    stack.postgres.stop()
    try:
        # A signed-in person: the session and the user are read by middleware, before any view.
        for path in ["/playbook/", "/metrics/", "/metrics/win_rate/"]:
            reply = manager.get(path)
            assert_unavailable_page(reply.status, reply.headers, reply.text)
        # Signing in: authentication and the lockout records read the database.
        reply = visitor.request(
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": CSRF.search(login_form.text)[1],
                "username": "manager",
                "password": PASSWORD,
            },
        )
        assert_unavailable_page(reply.status, reply.headers, reply.text)
    finally:
        stack.postgres.start()
    # Back within seconds, with no restart of gunicorn.
    wait_until(lambda: manager.get("/playbook/").status == 200, 20, "the portal to recover")
    # Every gunicorn worker is back, not only the one that answered first.
    assert statuses(manager, "/metrics/", 12) == [200] * 12, stack.logs()
    visitor.log_in("manager")  # signing in works again too


@pytest.mark.services
def test_after_a_quick_postgresql_restart_no_request_fails_on_a_stale_connection(stack, manager):
    # Both gunicorn workers keep a connection open (CONN_MAX_AGE) ...
    assert statuses(manager, "/playbook/", 12) == [200] * 12
    stack.postgres.stop()  # ... which the restart cuts, with no request in between.
    stack.postgres.start()
    # Health checks replace a dropped connection before the request uses it.
    assert statuses(manager, "/playbook/", 12) == [200] * 12, stack.logs()


def run_row(stack, run_id):
    [row] = stack.postgres.query(
        "SELECT status, progress, attempts FROM metrics_metricrun WHERE id = %s", run_id
    )
    return row


VALUES = """SELECT key, v.period_start, v.period_end, cut_kind, cut_value, value, numerator,
                   denominator, undefined_reason FROM metrics_metricvalue v
            JOIN metrics_metricrunperiod p ON p.value_set_id = v.value_set_id WHERE p.run_id = %s"""


@pytest.mark.services
def test_a_metric_run_cut_off_by_a_postgresql_restart_is_retried_and_takes_effect_once(
    stack, manager
):
    reply = manager.post("/metrics/recompute/", {}, token_from="/metrics/")
    assert reply.status == 302, reply.text[:500]
    run_id = int(re.search(r"run=(\d+)", reply.headers["Location"])[1])

    def part_way():
        status, progress, _ = run_row(stack, run_id)
        return status == "running" and 0 < progress < 60

    wait_until(part_way, 60, f"run {run_id} to be part-way")
    stack.postgres.stop()
    try:
        wait_until(
            lambda: "retry: Retry in" in stack.worker.log_path.read_text(),
            30,
            "the worker to schedule a retry",
        )
    finally:
        stack.postgres.start()
    wait_until(lambda: run_row(stack, run_id)[0] == "succeeded", 90, f"run {run_id} to succeed")
    status, progress, attempts = run_row(stack, run_id)
    assert (status, progress) == ("succeeded", 100)
    assert attempts >= 2  # the cut-off attempt, then the retry that completed it
    # Once: exactly the figures of a fresh computation of the same records, no row twice.
    stack.manage("compute_metrics", "--in-process")
    [(fresh_id,)] = stack.postgres.query(
        "SELECT max(id) FROM metrics_metricrun WHERE status = 'succeeded'"
    )
    assert fresh_id != run_id
    retried, fresh = stack.postgres.query(VALUES, run_id), stack.postgres.query(VALUES, fresh_id)
    assert len(retried) == len(set(retried)) == len(fresh) > 0
    assert set(retried) == set(fresh)
