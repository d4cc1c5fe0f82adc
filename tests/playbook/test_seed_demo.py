"""seed_demo: six users, owners with the right permissions, revisions from a content folder,
idempotent, refuses without DEBUG."""

import itertools
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from playbook import permissions
from playbook.models import MetricLink, MetricTrigger, Revision, Section
from tests.conftest import check_the_groups_rows, rows_kept_for_a_group_of_tests

OWNERS = {
    "champion": {"revops-overview", "roles-and-responsibilities", "tech-stack", "success-metrics"},
    "marketing": {"company-essentials", "target-audience", "content-assets"},
    "sales": {"products-and-services", "processes-and-workflows"},
    "cs": {"tone-of-voice"},
}


def write_content(root: Path) -> Path:
    (root / "target-audience").mkdir(parents=True)
    (root / "target-audience" / "01-marketing.md").write_text(
        "<!-- change: First ICP -->\n# ICP\n\nMid-market logistics.\n"
    )
    (root / "target-audience" / "02-champion.md").write_text(
        "<!-- change: Tightened the ICP -->\n# ICP\n\nMid-market logistics, 50-500 staff.\n"
    )
    (root / "tone-of-voice").mkdir()
    (root / "tone-of-voice" / "01-cs.md").write_text("<!-- change: Voice traits -->\nFriendly.\n")
    return root


@pytest.fixture
def content(tmp_path) -> Path:
    return write_content(tmp_path / "demo")


def seed(settings, content, **kw):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", content_dir=content, stdout=out, **kw)
    return out.getvalue()


@dataclass
class Seeded:
    content: Path
    media_root: Path
    output: str


@pytest.fixture(scope="class")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory) -> Seeded:
    """seed_demo run once (it loads and computes a year of CRM data too) for the tests of a
    class, which read what it wrote; each test's own changes roll back."""
    content = write_content(tmp_path_factory.mktemp("seeded") / "demo")
    media_root = content.parent / "media"
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py
    with (
        override_settings(
            DEBUG=True,
            MEDIA_ROOT=media_root,
            PRIVATE_ROOT=content.parent / "private",
            PASSWORD_HASHERS=fast_hashing,
        ),
        rows_kept_for_a_group_of_tests(django_db_blocker),
    ):
        out = StringIO()
        call_command("seed_demo", content_dir=content, stdout=out)
        check_the_groups_rows()
        yield Seeded(content, media_root, out.getvalue())


@pytest.mark.django_db
class TestOneSeeding:
    def test_it_creates_the_six_users_with_their_roles(self, seeded_once):
        User = get_user_model()
        users = {u.username: u for u in User.objects.all()}
        assert set(users) == {"champion", "marketing", "sales", "cs", "reader", "manager"}
        for user in users.values():
            assert user.check_password("demo-pass-2026") and user.first_name and user.last_name
        assert users["manager"].is_superuser and users["manager"].is_staff
        assert users["reader"].is_staff and not users["reader"].is_superuser
        assert not users["reader"].user_permissions.exists()
        assert not users["reader"].groups.exists()
        assert permissions.is_champion(users["champion"]) and users["champion"].is_staff

    def test_owners_get_their_sections_and_exactly_those_edit_rights(self, seeded_once):
        User = get_user_model()
        sections = list(Section.objects.select_related("owner"))
        for username, slugs in OWNERS.items():
            assert {s.slug for s in sections if s.owner and s.owner.username == username} == slugs
        every = {s.pk for s in sections}
        by_slug = {s.slug: s.pk for s in sections}
        for username in ["marketing", "sales", "cs"]:
            user = User.objects.get(username=username)
            editable = permissions.editable_section_ids(user, sections)
            assert editable == {by_slug[slug] for slug in OWNERS[username]}
        champion, manager = (
            User.objects.get(username="champion"),
            User.objects.get(username="manager"),
        )
        assert permissions.editable_section_ids(champion, sections) == every
        assert permissions.editable_section_ids(manager, sections) == every
        reader = User.objects.get(username="reader")
        assert permissions.editable_section_ids(reader, sections) == set()

    def test_it_adds_the_content_folders_revisions_in_order_by_their_authors(self, seeded_once):
        section = Section.objects.get(slug="target-audience")
        revisions = list(section.revisions.order_by("number").select_related("author"))
        assert [
            (r.number, r.author.username if r.author else None, r.change_note) for r in revisions
        ] == [
            (1, None, "Guiding questions"),
            (2, "marketing", "First ICP"),
            (3, "champion", "Tightened the ICP"),
        ]
        assert revisions[-1].title == "Target audience"
        assert revisions[-1].body == "# ICP\n\nMid-market logistics, 50-500 staff.\n"
        assert section.current_revision == revisions[-1]
        # Dated like months of use: in number order, weeks apart, the newest in the past.
        times = [r.created_at for r in revisions]
        assert times == sorted(times) and times[-1] < timezone.now()
        assert all(
            later - earlier >= timedelta(days=7) for earlier, later in itertools.pairwise(times)
        )
        assert "Revisions added: 3" in seeded_once.output

    def test_the_data_page_has_the_sown_data_quality_problems_to_show(self, seeded_once):
        from metrics.models import DataFinding

        found = set(DataFinding.objects.filter(count__gt=0).values_list("code", flat=True))
        assert {
            "duplicate_account_names",
            "opportunities_without_source",
            "closed_before_created",
            "open_past_close_date",
            "duplicate_leads_by_email",
            "converted_leads_without_account",
            "subscriptions_never_won",
        } <= found
        assert "Data-quality check" in seeded_once.output

    def test_running_it_twice_adds_nothing_the_second_time(self, settings, seeded_once):
        counts = (get_user_model().objects.count(), Revision.objects.count())
        output = seed(settings, seeded_once.content)
        assert (get_user_model().objects.count(), Revision.objects.count()) == counts
        assert "Revisions added: 0" in output and "skipped: 3" in output


@pytest.mark.django_db
def test_it_refuses_to_run_without_debug(settings, content):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", content_dir=content, stdout=StringIO())
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_a_malformed_content_file_is_a_clear_error(settings, content):
    (content / "target-audience" / "03-marketing.md").write_text("no change line\nbody\n")
    with pytest.raises(CommandError, match="03-marketing.md"):
        seed(settings, content)


@pytest.mark.django_db
def test_the_real_demo_content_loads(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert Revision.objects.filter(author__isnull=False).exists()
    # metric-triggered reviews: three sections depend on metrics; the demo data moves one
    assert MetricLink.objects.values("section").distinct().count() >= 3
    triggered = MetricTrigger.objects.select_related("link__section").first()
    assert triggered is not None
    assert triggered.link.section.review_request_reason == triggered.reason
