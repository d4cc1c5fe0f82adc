"""Query budgets: the same number of queries at 1 month of figures as at 36, and at 10 accounts
as at 1,000 (drill-downs are paginated), within each page's budget in
tests/portal/query_budgets.py."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.models import Account, Opportunity, Subscription
from playbook import services as playbook_services
from playbook.models import Section
from tests.metrics.dashboard_support import make_persona, stored_run
from tests.portal.query_budgets import assert_within_budget, page_queries

SHORTCODES = (
    "Win rate {{ metric:win_rate }}, ARR {{ metric:arr period=last_year }}, "
    "CAC {{ metric:cac period=last_quarter channel=Referral }}, NRR {{ metric:nrr segment=SMB }}."
)


def fresh_data(months):
    from metrics.models import MetricRun, MetricValue

    MetricValue.objects.all().delete()
    MetricRun.objects.all().delete()
    stored_run(months=months, segments=("SMB", "Enterprise", "Mid market"))


def write_success_metrics_section():
    editor = make_persona("champion")
    section = Section.objects.get(slug="success-metrics")
    playbook_services.save_revision(
        section=section, author=editor, title=section.title, body=SHORTCODES * 3,
        change_note="live figures", base_number=section.current_number,
    )  # fmt: skip
    return editor


PAGES_BY_MONTHS = [
    "/metrics/",
    "/metrics/?period=2017-Q4",
    "/metrics/?segment=SMB",
    "/metrics/win_rate/",
    "/metrics/arr/?period=2017",
    "/metrics/cac/?channel=Referral",
    "/metrics/win_rate.csv",
    "/metrics/win_rate.json?period=2017-06",
    "/playbook/success-metrics/",
    "/playbook/print/",  # every section, the success metrics' figures among them
]
PAGES_BY_ACCOUNTS = [
    "/metrics/nrr/records/?period=2017-06",
    "/metrics/win_rate/records/?period=2017-06&segment=SMB",
    "/metrics/cac/records/?period=2017-06",
    "/metrics/open_pipeline_count/records/?period=2017-06",
    "/metrics/nrr/",
    "/metrics/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES_BY_MONTHS)
def test_pages_issue_the_same_queries_at_1_and_at_36_months_of_figures(client, url):
    client.force_login(write_success_metrics_section())
    fresh_data(months=1)
    small = page_queries(client, url)
    fresh_data(months=36)
    large = page_queries(client, url)
    assert small == large
    assert_within_budget(url, large)


def accounts_with_records(count):
    Opportunity.objects.all().delete()
    Account.objects.all().delete()
    accounts = Account.objects.bulk_create(
        Account(external_id=f"A{n}", name=f"Account {n:04d}", segment="SMB") for n in range(count)
    )
    Subscription.objects.bulk_create(
        Subscription(external_id=f"S{n}", account=a, mrr=Decimal("100") + n,
                     start_date=date(2017, 1, 1) if n % 2 else date(2017, 6, 10))
        for n, a in enumerate(accounts)
    )  # fmt: skip
    Opportunity.objects.bulk_create(
        Opportunity(external_id=f"O{n}", account=a, status="won" if n % 3 else "lost",
                    amount=Decimal("500"), created_date=date(2017, 5, 1),
                    close_date=date(2017, 6, 1 + n % 28), source="Referral")
        for n, a in enumerate(accounts)
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES_BY_ACCOUNTS)
def test_pages_issue_the_same_queries_at_10_and_at_1000_accounts(client, url):
    stored_run(months=12)
    client.force_login(make_persona("reader"))
    accounts_with_records(10)
    small = page_queries(client, url)
    accounts_with_records(1000)
    large = page_queries(client, url)
    assert small == large
    assert_within_budget(url, large)


# The first reader of a run's scorecard or metric page (metrics/kept_html.py keeps what they
# render for the others): its budget is under the page's name with " (first reader)".
FIRST_READER_PAGES = ["/metrics/", "/metrics/win_rate/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", FIRST_READER_PAGES)
def test_the_first_reader_of_a_run_issues_the_same_queries_at_1_and_at_36_months(client, url):
    client.force_login(write_success_metrics_section())
    counts = []
    for months in (1, 36):
        fresh_data(months=months)
        client.get(url)  # warms the per-process caches page_queries warms (content types …)
        cache.clear()  # … but not what is kept per run
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] > page_queries(client, url)  # the others' requests cost less
    assert_within_budget(f"{url} (first reader)", counts[1])


# A drill-down is kept under the run and the change counter (metrics/views.py `records`); what
# its first reader renders (its keyset page and, for accounts and new customers, the run's
# listing made by an earlier reader) costs the same at 10 as at 1,000 accounts too.
FIRST_READER_DRILLDOWNS = [url for url in PAGES_BY_ACCOUNTS if "/records/" in url]


@pytest.mark.django_db
@pytest.mark.parametrize("url", FIRST_READER_DRILLDOWNS)
def test_the_first_reader_of_a_drilldown_issues_the_same_queries_at_10_and_1000_accounts(
    client, url
):
    stored_run(months=12)
    client.force_login(make_persona("reader"))
    counts = []
    for count in (10, 1000):
        accounts_with_records(count)
        client.get(url)  # makes the run's listing (accounts, new customers) once
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] > page_queries(client, url)  # the others' requests cost less
    assert_within_budget(f"{url} (first reader)", counts[1])
