"""Query budgets of the review queue and an owner's own: the same with 2 or 40 open flags and
ownership changes (tests/portal/query_budgets.py)."""

import pytest

from playbook import services
from playbook.models import Flag, Section
from tests.portal.query_budgets import assert_within_budget, page_queries

from .factories import UserFactory

QUEUE_PAGES = {"/playbook/reviews/": "champion", "/playbook/mine/": "owner"}


def grow(count: int, reporter) -> None:
    sections = list(Section.objects.exclude(slug="target-audience"))  # the owner's stays theirs
    Flag.objects.bulk_create(
        Flag(section=sections[n % len(sections)], raised_by=reporter, comment=f"Flag {n}")
        for n in range(count)
    )
    for n in range(count // 10):
        leaver = UserFactory(is_active=False)
        services.assign_owner(section=sections[n], owner=leaver, assigned_by=None)


@pytest.mark.django_db
@pytest.mark.parametrize("url", QUEUE_PAGES)
def test_the_queue_costs_the_same_queries_with_2_or_40_flags(client_as, personas, url):
    client = client_as(QUEUE_PAGES[url])
    grow(2, personas["reader"])
    small = page_queries(client, url)
    grow(38, personas["reader"])
    large = page_queries(client, url)
    assert small == large
    assert_within_budget(url, large)
