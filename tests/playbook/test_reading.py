"""Onboarding paths (issue 13, section 6): a reading list with progress, "I have read this"
recording the revision, a significant revision making a section unread again, and coverage for
the champions and managers in a fixed number of queries."""

import pytest

from playbook import reading, services
from playbook.models import Reader, Reading, ReadingPath, ReadingPathStep, Section
from tests.portal.query_budgets import assert_within_budget, page_queries

from .factories import UserFactory

READING_PAGES = ["/playbook/reading/", "/playbook/reading/coverage/"]  # budgets measured below

PATH_SECTIONS = ["company-essentials", "target-audience", "products-and-services"]


@pytest.fixture
def sdr_path(db):
    path = ReadingPath.objects.create(name="SDR", description="First two weeks")
    for position, slug in enumerate(PATH_SECTIONS):
        ReadingPathStep.objects.create(
            path=path, section=Section.objects.get(slug=slug), position=position
        )
    return path


def new_hire(path, username="newhire"):
    user = UserFactory(username=username)
    Reader.objects.create(user=user, path=path)
    return user


def edit(slug, *, significant=False):
    section = Section.objects.get(slug=slug)
    return services.save_revision(
        section=section, author=None, title=section.title, body=f"New text {significant}",
        change_note="", base_number=section.current_number, significant=significant,
    )  # fmt: skip


def statuses(user):
    return [(s.section.slug, s.is_read) for s in reading.reading_list(user=user).steps]


def test_a_new_hire_reads_in_order_and_progress_counts(client_as, sdr_path):
    user = new_hire(sdr_path)
    client = client_as("reader")
    client.force_login(user)
    assert statuses(user) == [(slug, False) for slug in PATH_SECTIONS]
    response = client.post("/playbook/target-audience/read/")
    assert response.status_code == 302
    recorded = Reading.objects.get(user=user)
    assert recorded.revision == Section.objects.get(slug="target-audience").current_revision
    page = client.get("/playbook/reading/")
    assert page.context["reading_list"].read_count == 1
    assert "1 of 3 read (33%)" in page.content.decode()
    assert statuses(user) == [
        ("company-essentials", False), ("target-audience", True), ("products-and-services", False)
    ]  # fmt: skip


def test_a_significant_revision_makes_it_unread_a_minor_one_does_not(sdr_path):
    user = new_hire(sdr_path)
    section = Section.objects.get(slug="target-audience")
    reading.record_reading(user=user, section=section)
    edit("target-audience")  # a typo fix
    assert dict(statuses(user))["target-audience"] is True
    edit("target-audience", significant=True)
    step = next(s for s in reading.reading_list(user=user).steps if s.section == section)
    assert not step.is_read and step.read_again
    section.refresh_from_db()
    reading.record_reading(user=user, section=section)
    assert dict(statuses(user))["target-audience"] is True


def test_the_editor_can_mark_a_revision_significant(client_as, sdr_path):
    owner = client_as("owner")
    response = owner.post(
        "/playbook/target-audience/edit/",
        {"title": "Target audience", "body": "New ICP", "change_note": "ICP", "base_number": 1,
         "significant": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Section.objects.get(slug="target-audience").current_revision.significant is True


def make_readers(path, count, prefix):
    users = [new_hire(path, f"{prefix}{n}") for n in range(count)]
    sections = list(Section.objects.filter(slug__in=PATH_SECTIONS[:2]))
    for user in users:
        for section in sections:
            reading.record_reading(user=user, section=section)
    return users


def test_coverage_counts_who_has_read_the_current_significant_revision(sdr_path):
    ae = ReadingPath.objects.create(name="Account executive")
    ReadingPathStep.objects.create(path=ae, section=Section.objects.get(slug="target-audience"))
    make_readers(sdr_path, 3, "sdr")
    make_readers(ae, 2, "ae")
    edit("company-essentials", significant=True)  # everyone must read it again
    paths, people = reading.coverage()
    table = {pc.path.name: {r.section.slug: r.read for r in pc.sections} for pc in paths}
    assert table == {
        "Account executive": {"target-audience": 2},
        "SDR": {"company-essentials": 0, "target-audience": 3, "products-and-services": 0},
    }
    assert {pc.path.name: pc.members for pc in paths} == {"Account executive": 2, "SDR": 3}
    progress = {p.reader.user.username: (p.read, p.total) for p in people}
    assert progress["sdr0"] == (1, 3) and progress["ae1"] == (1, 1)


def test_reading_pages_cost_the_same_queries_for_2_or_27_people(client_as, personas, sdr_path):
    champion = client_as("champion")
    Reader.objects.create(user=personas["champion"], path=sdr_path)
    make_readers(sdr_path, 2, "few")
    few = [page_queries(champion, page) for page in READING_PAGES]
    make_readers(sdr_path, 25, "many")
    reading.record_reading(
        user=personas["champion"], section=Section.objects.get(slug="target-audience")
    )
    many = [page_queries(champion, page) for page in READING_PAGES]
    assert few == many
    for page, count in zip(READING_PAGES, many, strict=True):
        assert_within_budget(page, count)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("reader", 403), ("owner", 403), ("champion", 200), ("manager", 200)],
)
def test_coverage_is_for_the_champions_and_managers(client_as, sdr_path, persona, status):
    assert client_as(persona).get("/playbook/reading/coverage/").status_code == status
