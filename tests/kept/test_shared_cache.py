"""With CACHE_URL set, kept HTML lives in Redis: what one process (a gunicorn worker) kept,
another process reads instead of rendering it again. Needs the Redis of bin/test's second pass
(TEST_REDIS_URL)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from revops_portal.kept.store import kept

ROOT = Path(__file__).resolve().parents[2]
OTHER_PROCESS = """
import django
django.setup()
from revops_portal.kept.store import kept
print(kept("test:shared", ("the same", "vary"), lambda: "rendered by the other process"))
"""


@pytest.mark.services
def test_a_fragment_kept_by_one_process_is_read_by_another(settings):
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.fail("TEST_REDIS_URL is not set: this test needs Redis (bin/test starts one).")
    url = base.rsplit("/", 1)[0] + "/3"  # a database of its own: the test clears it
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "revops",  # as settings.py sets it from CACHE_URL
        }
    }
    cache.clear()
    try:
        assert kept("test:shared", ("the same", "vary"), lambda: "rendered here") == "rendered here"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(CACHE_URL=url, DJANGO_SETTINGS_MODULE="revops_portal.settings")
        env.pop("CELERY_BROKER_URL", None)
        other = subprocess.run(
            [sys.executable, "-c", OTHER_PROCESS], cwd=ROOT, env=env,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert other.stdout.strip() == "rendered here"
    finally:
        cache.clear()
