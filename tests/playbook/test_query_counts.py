"""Query budgets: the table of contents and a section page cost the same with 10 revisions per
section as with 200, within their budget in tests/portal/query_budgets.py (a
NetBox-style N+1 guard)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from playbook.models import Revision, Section
from tests.portal.query_budgets import assert_within_budget, page_queries

from .conftest import add_sample_page
from .factories import UserFactory


def grow_history(per_section: int) -> None:
    """Give every section ``per_section`` revisions in total, each by a different author."""
    authors = UserFactory.create_batch(5)
    rows = []
    for section in Section.objects.all():
        start = section.revisions.count() + 1
        for number in range(start, per_section + 1):
            rows.append(
                Revision(
                    section=section,
                    number=number,
                    title=f"{section.title} v{number}",
                    body=f"Body {number}\n" * 20,
                    change_note=f"Change {number}",
                    author=authors[number % len(authors)],
                )
            )
    Revision.objects.bulk_create(rows)
    for section in Section.objects.all():
        section.current_revision = section.revisions.order_by("-number").first()
        section.save(update_fields=["current_revision"])


PAGES = [reverse("playbook:index"), reverse("playbook:section", args=["target-audience"])]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reader", "owner", "champion", "manager"])
@pytest.mark.parametrize("url", PAGES)
def test_the_page_costs_the_same_queries_with_10_or_200_revisions_per_section(
    client_as, persona, url
):
    client = client_as(persona)
    grow_history(10)
    small = page_queries(client, url)
    grow_history(200)
    assert Revision.objects.count() == 2000
    large = page_queries(client, url)
    assert small == large
    assert_within_budget(url, large)


@pytest.mark.django_db
def test_the_table_of_contents_shows_the_latest_revision_of_every_section(client_as):
    grow_history(12)
    html = client_as("reader").get(reverse("playbook:index")).content.decode()
    assert html.count('href="/playbook/target-audience/history/">12</a>') == 1
    assert html.count(">12</a>") == 10


def grow_pages(section: Section, count: int) -> None:
    """Give ``section`` ``count`` pages, each linking to the next ([[slug]], plain links)."""
    for n in range(section.pages.count(), count):
        add_sample_page(
            section, slug=f"page-{n}", body=f"[[page-{n + 1}]] [up](../{section.slug}/)"
        )


# (url, its budget's name in QUERY_BUDGETS)
PAGES_OF_PAGES = [
    (reverse("playbook:index"), reverse("playbook:index")),
    (reverse("playbook:section", args=["target-audience"]), "/playbook/target-audience/"),
    (reverse("playbook:section", args=["page-0"]), "/playbook/<page>/"),
    (reverse("playbook:mine"), "/playbook/mine/"),
    (reverse("playbook:print"), "/playbook/print/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reader", "owner"])
@pytest.mark.parametrize(("url", "budget"), PAGES_OF_PAGES)
def test_the_page_costs_the_same_queries_with_2_or_30_pages_in_a_section(
    client_as, persona, url, budget
):
    client = client_as(persona)
    section = Section.objects.get(slug="target-audience")
    grow_pages(section, 2)
    small = page_queries(client, url)
    grow_pages(section, 30)
    large = page_queries(client, url)
    assert small == large
    assert_within_budget(budget, large)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reader", "owner", "champion", "manager"])
@pytest.mark.parametrize("url", PAGES)
def test_a_readers_first_request_costs_the_same_queries_with_10_or_200_revisions(
    client_as, persona, url
):
    """What a page kept for its reader costs to make again (after any change, or the first
    time): bounded as the kept request is, and more than it."""
    client = client_as(persona)
    counts = []
    for revisions in (10, 200):
        grow_history(revisions)
        client.get(url)  # warms the per-process caches and records the visit …
        client.get(url)
        cache.clear()  # … but nothing is kept
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] > page_queries(client, url)  # a kept request costs less
    assert_within_budget(f"{url} (first reader)", counts[1])
