"""Personas: anonymous, reader, section owner, owner of another section,
champion, manager. Sections come from the data migration, so they exist in every test DB."""

from importlib import import_module

import pytest
from django.test import Client

from playbook import services
from playbook.models import Section

from .factories import ChampionFactory, UserFactory

PERSONAS = ["anonymous", "reader", "owner", "other_owner", "champion", "manager"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def section(db):
    """Section A: Target audience, owned by the ``owner`` persona."""
    return Section.objects.select_related("current_revision").get(slug="target-audience")


@pytest.fixture
def other_section(db):
    """Section B: Products and services, owned by the ``other_owner`` persona."""
    return Section.objects.select_related("current_revision").get(slug="products-and-services")


@pytest.fixture
def personas(db, section, other_section):
    manager = UserFactory(username="manager", is_staff=True, is_superuser=True)
    owner = UserFactory(username="owner")
    other_owner = UserFactory(username="other_owner")
    services.assign_owner(section=section, owner=owner, assigned_by=manager)
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
    """For transactional tests: the flush between such tests empties every table, including the
    data migration's ten sections and champions group; re-run that migration step (idempotent).
    Used instead of ``serialized_rollback``, which clashes with content types that other tests'
    flushes re-create."""
    from django.apps import apps

    import_module("playbook.migrations.0002_seed_sections").create_sections(apps, None)
    import_module("playbook.migrations.0008_section_guiding_questions").fill_guiding_questions(
        apps, None
    )
