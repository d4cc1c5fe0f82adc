"""Shared fixtures. App-specific fixtures (personas, factories) live in tests/<app>/."""

from contextlib import contextmanager
from importlib import import_module

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_migrate
from django.utils import translation

from metrics import periods


def restore_the_rows_migrations_wrote(**_signal):
    """The playbook's data migrations (the ten sections, their guiding questions, the champions
    group), written again (each step is idempotent). A transactional test ends with a flush of
    every table, and flush sends post_migrate: so the next test, whichever it is, starts from the
    migrated database. Tests run in parallel (bin/test) in no fixed order, so a test that reads
    the sections may follow a flush on its process."""
    import_module("playbook.migrations.0002_seed_sections").create_sections(apps, None)
    import_module("playbook.migrations.0008_section_guiding_questions").fill_guiding_questions(
        apps, None
    )


post_migrate.connect(
    restore_the_rows_migrations_wrote,
    sender=apps.get_app_config("playbook"),
    dispatch_uid="tests.restore_the_rows_migrations_wrote",
)


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language():
    # A request's LocaleMiddleware leaves its language active in the thread: without this, a
    # test that asked for Polish would make the next one read Polish figures and messages.
    translation.deactivate()
    # Period labels are cached per language: one made under a test's own small catalogue
    # (tests/i18n/own_catalogue.py) must not be read by the next test.
    periods._label.cache_clear()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _each_test_starts_with_an_empty_cache():
    # Pages keep rendered HTML under keys of run ids, revision ids and digests; ids come back
    # after a rollback, so what one test kept must not show in the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a login; tests check behaviour, not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_files_in_a_temporary_folder(settings, tmp_path):
    # Uploaded CRM files go to PRIVATE_ROOT (the default storage): never into the checkout.
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _tasks_inline_without_a_broker(settings):
    # The embedded worker's thread could not see a test's uncommitted rows: tasks run inline.
    # Tests of the embedded worker itself turn it back on (tests/metrics/test_embedded_worker.py).
    settings.EMBEDDED_WORKER = False


@pytest.fixture(autouse=True)
def _no_real_crm(settings):
    # No test reaches a real CRM: HubSpot's API is a closed loopback port unless a test starts
    # its fake one (tests/sync/fake_hubspot.py); Salesforce is replayed with `responses`.
    settings.CRM_HUBSPOT_API_URL = "http://127.0.0.1:9"


@contextmanager
def rows_kept_for_a_group_of_tests(django_db_blocker):
    """In a class- or module-scoped fixture: the rows written inside stay while that group of
    tests runs (each test's own changes roll back to them, as with Django's setUpTestData),
    and roll back after the group. For expensive set-ups that tests only read. Not for
    transactional tests (their flush would empty the tables)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def check_the_groups_rows() -> None:
    """Call at the end of a `rows_kept_for_a_group_of_tests` set-up. On PostgreSQL every test
    ends by checking the deferred foreign keys (Django's TestCase: SET CONSTRAINTS ALL IMMEDIATE)
    inside its savepoint, whose rollback makes them pending again: without this, each test
    re-checks every row of the group's set-up (0.5 s a test after seed_demo). Checked here once,
    outside any test, they stay checked; each test still checks the rows it writes."""
    if connection.features.can_defer_constraint_checks:
        connection.check_constraints()


# Fixtures that give a test the database (pytest-django's own, and those built on them).
_DATABASE_FIXTURES = {"_django_db_helper", "db", "transactional_db", "live_server"}


def reaches_the_database(item: pytest.Item) -> bool:
    """Whether pytest-django lets this test query the test database. A test it doesn't is
    blocked from every query ("Database access not allowed"), so its outcome can't depend on
    the database engine."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(_DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())))


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the markers
def pytest_collection_modifyitems(items):
    # bin/test's PostgreSQL pass runs `-m "(database or services) and not browser"`: the tests
    # that issue SQL (or start real services) run on both engines, the rest only on SQLite.
    for item in items:
        if reaches_the_database(item):
            item.add_marker(pytest.mark.database)
