"""The deployment files: .env.example documents every setting, docker-compose.yml is sound."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILES = [ROOT / "revops_portal" / "settings.py"]
ASSIGNMENT = re.compile(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def variables_the_settings_read() -> set[str]:
    """The names passed to the env_* readers (revops_portal/env.py) in the settings."""
    names = set()
    for path in SETTINGS_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.startswith("env_")
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path.name}:{node.lineno}: a literal name"
                names.add(first.value)
    return names


def example_lines() -> list[str]:
    return (ROOT / ".env.example").read_text().splitlines()


def example_values() -> dict[str, str]:
    """Every NAME=value of .env.example, the commented-out (optional) ones too."""
    return {m[1]: m[2] for line in example_lines() if (m := ASSIGNMENT.match(line))}


def test_the_settings_read_the_environment_through_the_typed_readers():
    names = variables_the_settings_read()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "METRICS_CURRENCY"} <= names


def test_every_variable_the_settings_read_is_in_env_example_with_a_comment_above_it():
    lines = example_lines()
    listed = {}
    for number, line in enumerate(lines):
        if match := ASSIGNMENT.match(line):
            listed[match[1]] = number
    missing = sorted(variables_the_settings_read() - set(listed))
    assert not missing, f"add these to .env.example: {missing}"
    undocumented = [
        name
        for name, number in listed.items()
        if not (
            number > 0
            and lines[number - 1].startswith("#")
            and not ASSIGNMENT.match(lines[number - 1])
        )
    ]
    assert not undocumented, f"give these a comment line of their own above them: {undocumented}"


def test_env_example_lists_nothing_the_settings_do_not_read():
    assert set(example_values()) <= variables_the_settings_read()


def test_the_example_values_pass_the_deployment_checks():
    env = {"PATH": "/usr/bin:/bin", **example_values()}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_migrations_run_once_before_web_worker_and_beat_start():
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert "migrate" not in " ".join(services[name]["command"]), name


def test_every_long_running_service_has_a_health_check_a_restart_policy_and_its_volumes():
    config = compose()
    services = config["services"]
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["restart"] == "unless-stopped", name
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    assert "media:/data/media" in services["web"]["volumes"]
    assert {"pgdata", "redisdata", "media"} <= set(config["volumes"])


def test_redis_is_configured_as_a_broker_append_only_and_never_evicting():
    command = compose()["services"]["redis"]["command"]
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options["--appendonly"] == "yes"
    assert options["--maxmemory-policy"] == "noeviction"


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["revops.example.com"], SECURE_SSL_REDIRECT=True)
def test_the_health_check_answers_on_loopback_over_http_and_reads_no_data(
    django_assert_num_queries,
):
    client = Client()
    with django_assert_num_queries(0):
        reply = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert (reply.status_code, reply.content) == (200, b"ok")
    # Every other address keeps the host check and the HTTPS redirect.
    assert client.get("/healthz/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/playbook/", HTTP_HOST="revops.example.com").status_code == 301
