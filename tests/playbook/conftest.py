"""Personas: anonymous, reader, section owner, owner of another section,
champion, manager. Sections come from the data migration, so they exist in every test DB.

A page has exactly a section's guarantees: tests of those take ``@over_documents`` and run
twice, on section A and on a page under it (no owner of its own: section A's owner answers)."""

from decimal import Decimal

import pytest
from django.test import Client

from metrics.models import MetricRun
from metrics.periods import Period
from playbook import pages, services
from playbook.models import Section
from tests.conftest import restore_the_rows_migrations_wrote
from tests.metrics.factories import MetricRunFactory, MetricValueFactory

from .factories import ChampionFactory, UserFactory

PERSONAS = ["anonymous", "reader", "owner", "other_owner", "champion", "manager"]
DOCUMENT_KINDS = ["section", "page"]
over_documents = pytest.mark.parametrize("section", DOCUMENT_KINDS, indirect=True)
SAMPLE_PAGE = "icp-scoring"


def run_with_win_rate(value: str) -> MetricRun:
    """A run holding one figure, December 2017's win rate (a text's figure, a live card)."""
    run = MetricRunFactory()
    period = Period.month(2017, 12)
    MetricValueFactory(
        run=run, key="win_rate", period_start=period.start, period_end=period.end,
        value=Decimal(value),
    )  # fmt: skip
    return run


def add_sample_page(section: Section, *, slug: str = SAMPLE_PAGE, body: str = "") -> Section:
    """A page under ``section``, its revision 1 written by the portal (as the sections' are)."""
    page = pages.create_page(
        section=section,
        title=slug.replace("-", " ").capitalize(),
        slug=slug,
        author=None,
        body=body or f"How we do {slug.replace('-', ' ')}.",
    )
    return Section.objects.select_related("current_revision", "parent").get(pk=page.pk)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def section(request, db):
    """Section A: Target audience, owned by the ``owner`` persona; with ``@over_documents``,
    also a page under section A (``SAMPLE_PAGE``)."""
    target = Section.objects.select_related("current_revision").get(slug="target-audience")
    if getattr(request, "param", "section") == "page":
        return add_sample_page(target)
    return target


@pytest.fixture
def other_section(db):
    """Section B: Products and services, owned by the ``other_owner`` persona."""
    return Section.objects.select_related("current_revision").get(slug="products-and-services")


@pytest.fixture
def personas(db, section, other_section):
    manager = UserFactory(username="manager", is_staff=True, is_superuser=True)
    owner = UserFactory(username="owner")
    other_owner = UserFactory(username="other_owner")
    # Section A's owner; a page under it has no owner of its own (its section's answers).
    services.assign_owner(section=section.parent or section, owner=owner, assigned_by=manager)
    services.assign_owner(section=other_section, owner=other_owner, assigned_by=manager)
    return {
        "anonymous": None,
        "reader": UserFactory(username="reader", is_staff=True),
        "owner": owner,
        "other_owner": other_owner,
        "champion": ChampionFactory(username="champion"),
        "manager": manager,
    }


@pytest.fixture
def client_as(personas):
    """``client_as("owner")``: a fresh client logged in as that persona (anonymous: not logged in)."""

    def make(name):
        client = Client()
        user = personas[name]
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def restored_sections(transactional_db):
    """For transactional tests that read the sections: the data migration's ten sections and
    champions group, as migrated (tests/conftest.py writes them again after every flush, too).
    Used instead of ``serialized_rollback``, which clashes with content types that other tests'
    flushes re-create."""
    restore_the_rows_migrations_wrote()
