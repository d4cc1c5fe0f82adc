"""Kept page parts follow every change of what they show (revops_portal/kept/): the table of
contents, a section's pages, flags, metric links and broken links, and the metrics pages' as-of
line, owners, findings and targets show a write at the next request, however it was written
(`QuerySet.update` included), in the reader's language; and what one reader may do or has read
never reaches another. These run on SQLite and, in bin/test's PostgreSQL pass, on PostgreSQL."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from metrics import trust
from metrics.freshness import record_import
from metrics.models import MetricTarget, RecordImport
from playbook import flags, services
from playbook.models import Flag, MetricLink, Section
from tests.metrics.dashboard_support import stored_run
from tests.playbook.conftest import add_sample_page
from tests.playbook.factories import UserFactory

pytestmark = pytest.mark.django_db

TOC = reverse("playbook:index")


def text(client, url, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def section():
    return Section.objects.select_related("current_revision").get(slug="target-audience")


def write(section, body, author):
    section.refresh_from_db()
    services.save_revision(
        section=section, author=author, title=section.title, body=body, change_note="",
        base_number=section.current_number,
    )  # fmt: skip


def test_the_table_of_contents_follows_edits_owners_names_rights_and_language(section):
    reader, author = UserFactory(username="reader"), UserFactory(username="author")
    client = signed_in(reader)
    before = section.current_number
    assert f">{before}</a>" in text(client, TOC)

    write(section, "New text.", author)
    assert f">{before + 1}</a>" in text(client, TOC)

    services.assign_owner(section=section, owner=author, assigned_by=None)
    assert f">{author.get_full_name()}</span>" in text(client, TOC)
    User.objects.filter(pk=author.pk).update(first_name="Ada", last_name="Lovelace")
    assert ">Ada Lovelace</span>" in text(client, TOC)

    edit = reverse("playbook:edit", args=[section.slug])
    assert edit not in text(client, TOC)
    assign_perm("playbook.change_section", reader, section)
    assert edit in text(client, TOC)
    assert edit not in text(signed_in(UserFactory(username="other")), TOC)

    assert "Sekcja" not in text(client, TOC)
    assert "Sekcja" in text(client, TOC, HTTP_ACCEPT_LANGUAGE="pl")


def test_a_sections_pages_flags_and_metric_links_follow_every_write(section):
    reader, raiser = UserFactory(username="reader"), UserFactory(username="raiser")
    client = signed_in(reader)
    url = reverse("playbook:section", args=[section.slug])
    assert "Too old, says raiser" not in text(client, url)

    flag = flags.raise_flag(section=section, user=raiser, comment="Too old, says raiser")
    assert "Too old, says raiser" in text(client, url)
    User.objects.filter(pk=raiser.pk).update(first_name="Rita")
    assert "Rita" in text(client, url)
    Flag.objects.filter(pk=flag.pk).update(resolved_at=timezone.now())
    assert "Too old, says raiser" not in text(client, url)

    assert "Reviewed when these move" not in text(client, url)
    MetricLink.objects.create(section=section, metric_key="win_rate")
    assert "Reviewed when these move" in text(client, url)
    assert "Reviewed when these move" not in text(client, url, HTTP_ACCEPT_LANGUAGE="pl")

    page = add_sample_page(section, slug="a-new-page")
    assert reverse("playbook:section", args=[page.slug]) in text(client, url)
    Section.objects.filter(pk=page.pk).update(title="Renamed page")
    assert "Renamed page" in text(client, url)


def test_broken_links_reach_editors_only_and_follow_the_sections_they_name(section):
    owner, reader = UserFactory(username="owner"), UserFactory(username="reader")
    services.assign_owner(section=section, owner=owner, assigned_by=None)
    write(section, "See [[no-such-page]].", owner)
    url = reverse("playbook:section", args=[section.slug])
    assert 'id="pb-broken-links"' in text(signed_in(owner), url)
    assert 'id="pb-broken-links"' not in text(signed_in(reader), url)
    add_sample_page(section, slug="no-such-page")  # the link leads somewhere now
    assert 'id="pb-broken-links"' not in text(signed_in(owner), url)


def test_the_metrics_as_of_line_and_targets_follow_imports_and_names(client):
    stored_run(months=3)
    reader = UserFactory(username="reader")
    client.force_login(reader)
    url = "/metrics/sales_cycle_days/"
    assert "Target set" not in text(client, url)

    setter = User.objects.create_user("vp", first_name="Vera")
    target = MetricTarget.objects.create(
        key="sales_cycle_days", value=30, direction="lower", set_by=setter, set_at=timezone.now()
    )
    assert ">Vera</span>" in text(client, url)
    User.objects.filter(pk=setter.pk).update(first_name="Valentina")
    assert ">Valentina</span>" in text(client, url)
    MetricTarget.objects.filter(pk=target.pk).update(set_by=None)
    assert "before targets recorded who set them" in text(client, url)

    importer = User.objects.create_user("importer", first_name="Imogen")
    assert "Imogen" not in text(client, "/metrics/")
    record_import(kind="opportunities", rows_written=5, via="test", imported_by=importer)
    assert "Imogen" in text(client, "/metrics/")


def test_a_kind_turns_stale_with_the_time_alone_though_nothing_was_written():
    record_import(kind="opportunities", rows_written=5, via="test")
    imported_at = RecordImport.objects.get().imported_at
    assert "opportunities" not in trust.trust(now=imported_at).freshness.stale_kinds
    later = imported_at + timedelta(days=365)
    assert "opportunities" in trust.trust(now=later).freshness.stale_kinds
