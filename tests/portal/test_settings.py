import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 30 + "-production-secret-key-for-deploy-check-0123456789",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "revops.example.com",
    "DATABASE_URL": "postgres://revops:revops@127.0.0.1:5432/revops",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("METRICS_GROSS_MARGIN", "1.5"),
        ("METRICS_GROSS_MARGIN", "abc"),
        ("AXES_FAILURE_LIMIT", "many"),
        ("DATABASE_URL", "nonsense://"),
        ("CACHE_URL", "memcached://127.0.0.1:11211"),
    ],
)
def test_a_bad_setting_fails_at_start_up_naming_the_variable(name, value):
    result = run_manage("check", env_overrides={name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = run_manage("check", env_overrides={"DEBUG": "false", "ALLOWED_HOSTS": "x"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
