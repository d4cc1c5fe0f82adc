"""Kept page parts follow every change of what they show (revops_portal/kept/): the table of
contents, a section's pages, flags, metric links and broken links, and the metrics pages' as-of
line, owners, findings and targets show a write at the next request, however it was written
(`QuerySet.update` included), in the reader's language; and what one reader may do or has read
never reaches another. These run on SQLite and, in bin/test's PostgreSQL pass, on PostgreSQL."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from metrics import trust
from metrics.freshness import record_import
from metrics.models import MetricRun, MetricTarget, RecordImport
from playbook import flags, permissions, selectors, services
from playbook.models import (
    Asset,
    AssetTag,
    Flag,
    MetricLink,
    Reading,
    Section,
    SectionVisit,
    Watch,
)
from tests.metrics.dashboard_support import stored_run
from tests.metrics.factories import OpportunityFactory
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


# The playbook's table of contents and pages are kept whole for each reader (issue 10): what
# only that reader sees (their rights, visits, watch, reading) and what turns with time alone
# (a review falling due) show at the next request too.


def main_of(page: str) -> str:
    return page[page.index('<main id="content">') : page.index("</main>")]


def badge_of(page: str, slug: str) -> str:
    """The review badge of `slug`'s row in the table of contents."""
    row = page[page.index(f'href="/playbook/{slug}/"') :]
    return row[row.index('class="badge ') :].split('"')[1]


def test_the_table_of_contents_follows_the_readers_groups_superuser_flag_and_visits(section):
    reader, author = UserFactory(username="reader"), UserFactory(username="author")
    client = signed_in(reader)
    edit = reverse("playbook:edit", args=[section.slug])
    assert edit not in text(client, TOC)

    champions = Group.objects.get_or_create(name=permissions.CHAMPIONS_GROUP)[0]
    reader.groups.add(champions)
    assert edit in text(client, TOC)
    reader.groups.remove(champions)
    assert edit not in text(client, TOC)

    editors = Group.objects.create(name="Editors of the audience")
    assign_perm("playbook.change_section", editors, section)
    reader.groups.add(editors)
    page = text(client, TOC)
    assert edit in page and reverse("playbook:edit", args=["products-and-services"]) not in page
    remove_perm("playbook.change_section", editors, section)
    assert edit not in text(client, TOC)

    User.objects.filter(pk=reader.pk).update(is_superuser=True)
    assert edit in text(client, TOC)
    User.objects.filter(pk=reader.pk).update(is_superuser=False)
    assert edit not in text(client, TOC)

    unread = "changed since you last read it"
    text(client, reverse("playbook:section", args=[section.slug]))  # reads this revision
    write(section, "Changed.", author)
    assert unread in text(client, TOC)
    text(client, reverse("playbook:section", args=[section.slug]))  # reads the new one
    assert unread not in text(client, TOC)


def test_a_section_follows_the_readers_watch_reading_and_rights(section):
    reader = UserFactory(username="reader")
    client = signed_in(reader)
    url = reverse("playbook:section", args=[section.slug])
    assert 'id="pb-watch"' in text(client, url)
    Watch.objects.create(section=section, user=reader)
    assert 'id="pb-unwatch"' in text(client, url)
    Watch.objects.filter(user=reader).delete()
    assert 'id="pb-watch"' in text(client, url)

    assert "You have read this revision." not in text(client, url)
    Reading.objects.create(user=reader, section=section, revision=section.current_revision)
    assert "You have read this revision." in text(client, url)

    mark_reviewed = reverse("playbook:review", args=[section.slug])
    assert mark_reviewed not in text(client, url)
    reader.groups.add(Group.objects.get_or_create(name=permissions.CHAMPIONS_GROUP)[0])
    assert mark_reviewed in text(client, url)
    assert mark_reviewed not in text(signed_in(UserFactory(username="other")), url)


def test_review_statuses_turn_with_the_time_alone_though_nothing_was_written(section, monkeypatch):
    """One section turns due and another overdue an hour from now: the kept table of contents
    and section page show it after that hour, with no write to move the change counter."""
    now = timezone.now()
    due_soon = now + selectors.DUE_SOON + timedelta(hours=1)  # fresh, due in an hour
    Section.objects.filter(pk=section.pk).update(
        last_reviewed_at=due_soon - timedelta(days=section.review_interval_days)
    )
    other = Section.objects.get(slug="products-and-services")
    Section.objects.filter(pk=other.pk).update(  # due, overdue in an hour
        last_reviewed_at=now + timedelta(hours=1) - timedelta(days=other.review_interval_days)
    )
    client = signed_in(UserFactory(username="reader"))
    url = reverse("playbook:section", args=[section.slug])
    page = text(client, TOC)
    assert (badge_of(page, section.slug), badge_of(page, other.slug)) == (
        "badge fresh",
        "badge due",
    )
    assert 'class="badge fresh"' in text(client, url)
    assert main_of(text(client, TOC)) == main_of(text(client, TOC))  # kept meanwhile

    later = now + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    page = text(client, TOC)
    assert (badge_of(page, section.slug), badge_of(page, other.slug)) == (
        "badge due",
        "badge overdue",
    )
    assert 'class="badge due"' in text(client, url)


def test_a_kept_pages_forms_carry_each_requests_own_csrf_token(section):
    """Two sessions of one reader share what is kept for them; each one's forms post with
    its own token, and no placeholder is left in the page."""
    reader = UserFactory(username="reader")
    url = reverse("playbook:section", args=[section.slug])
    tokens = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(reader)
        page = text(client, url)
        text(client, url)  # kept by now
        page = text(client, url)
        assert "keptcsrf" not in page
        form = page[page.index('action="/playbook/target-audience/watch/"') :]
        token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        tokens.append(token)
        answer = client.post(
            reverse("playbook:watch", args=[section.slug]),
            {"watch": "1", "csrfmiddlewaretoken": token},
        )
        assert answer.status_code == 302
    assert tokens[0] != tokens[1]
    refused = Client(enforce_csrf_checks=True)
    refused.force_login(reader)
    text(refused, url)
    answer = refused.post(
        reverse("playbook:watch", args=[section.slug]),
        {"watch": "0", "csrfmiddlewaretoken": "x" * 64},
    )
    assert answer.status_code == 403


def test_a_texts_asset_list_follows_the_assets(section):
    owner = UserFactory(username="owner")
    write(section, "Read these:\n\n{{ assets }}\n", owner)
    client = signed_in(UserFactory(username="reader"))
    url = reverse("playbook:section", args=[section.slug])
    assert "The pricing guide" not in text(client, url)
    asset = Asset.objects.create(
        title="The pricing guide", link="https://example.com/g", kind="guide", stage="decision"
    )
    assert "The pricing guide" in text(client, url)
    asset.tags.add(AssetTag.objects.create(kind="persona", name="Chief Revenue Officer"))
    assert "Chief Revenue Officer" in text(client, url)
    Asset.objects.filter(pk=asset.pk).update(title="The price book")
    page = text(client, url)
    assert "The price book" in page and "The pricing guide" not in page


def test_a_sections_dates_follow_the_time_zone(section, settings):
    client = signed_in(UserFactory(username="reader"))
    url = reverse("playbook:section", args=[section.slug])
    saved = section.current_revision.created_at
    in_utc = saved.astimezone(ZoneInfo("UTC")).isoformat()
    in_tehran = saved.astimezone(ZoneInfo("Asia/Tehran")).isoformat()  # UTC+3:30
    settings.TIME_ZONE = "UTC"
    page = text(client, url)
    assert in_utc in page and in_tehran not in page
    settings.TIME_ZONE = "Asia/Tehran"
    page = text(client, url)
    assert in_tehran in page and in_utc not in page


def test_the_table_of_contents_is_not_made_again_by_writes_it_does_not_show(section):
    """It reads only the counter's tables it shows (revops_portal/kept/changes.py CONTENTS): a
    flag, a metric run, a watch or CRM records leave it kept (the floor's two queries and the
    counter); a visit, which it shows, makes it again."""
    reader = UserFactory(username="reader")
    client = signed_in(reader)
    text(client, TOC)

    def queries_of_the_next_request() -> int:
        with CaptureQueriesContext(connection) as captured:
            text(client, TOC)
        return len(captured.captured_queries)

    assert queries_of_the_next_request() == 3
    flags.raise_flag(section=section, user=reader, comment="Outdated")
    MetricRun.objects.create()
    Watch.objects.create(section=section, user=reader)
    OpportunityFactory()  # and its account
    assert queries_of_the_next_request() == 3
    SectionVisit.objects.create(section=section, user=reader, revision_number=1)
    assert queries_of_the_next_request() > 3
