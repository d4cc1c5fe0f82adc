"""The funnel on the dashboards: the scorecard's funnel row, a funnel metric's page, and the
drill-down to the leads behind a figure, with query counts that don't grow with the leads."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from metrics.models import Lead, Spend
from metrics.periods import Period
from metrics.services import compute_now
from tests.metrics.dashboard_support import make_persona, stored_run
from tests.metrics.factories import LeadFactory, SpendFactory
from tests.portal.query_budgets import assert_within_budget, page_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    client.force_login(make_persona("reader"))


@pytest.fixture
def january_funnel():
    """January 2026: 4 Webinar leads (2 qualified, 1 converted after 10 days), 1 Partner lead;
    marketing spend Webinar 800, Partner 100."""
    for n, (qualified, converted) in enumerate(
        [(True, True), (True, False), (False, False), (False, False)]
    ):
        created = date(2026, 1, 5 + n)
        LeadFactory(
            external_id=f"webinar-lead-{n}",
            created_date=created,
            source="Webinar",
            qualified_date=created + timedelta(days=2) if qualified else None,
            converted_date=created + timedelta(days=10) if converted else None,
        )
    LeadFactory(external_id="partner-lead-0", created_date=date(2026, 1, 20), source="Partner")
    for channel, amount in (("Webinar", 800), ("Partner", 100)):
        SpendFactory(
            month=date(2026, 1, 1),
            channel=channel,
            category=Spend.Category.MARKETING,
            amount=amount,
        )
    return compute_now(trigger="command")


def card_values(body: str) -> dict[str, str]:
    """The funnel row's figures as shown, by metric key."""
    funnel = body[
        body.index('id="funnel-title"') : body.index("</section>", body.index('id="funnel-title"'))
    ]
    return dict(
        re.findall(r'data-key="(\w+)".*?<div class="metric-value">\s*(.*?)\s*</div>', funnel, re.S)
    )


def test_the_scorecard_has_a_funnel_row(client, reader, january_funnel):
    body = client.get("/metrics/?period=2026-01").content.decode()

    assert "Lead funnel" in body
    assert card_values(body) == {
        "leads_created": "5",
        "lead_qualification_rate": "40.0%",  # 2 / 5
        "lead_conversion_rate": "20.0%",  # 1 / 5
        "cost_per_lead": "$180.00",  # 900 / 5
    }


def test_the_scorecard_of_a_channel_shows_that_channels_funnel(client, reader, january_funnel):
    body = client.get("/metrics/?period=2026-01&channel=Webinar").content.decode()

    assert card_values(body) == {
        "leads_created": "4",
        "lead_qualification_rate": "50.0%",
        "lead_conversion_rate": "25.0%",
        "cost_per_lead": "$200.00",
    }


def test_a_segment_scorecard_has_no_funnel_row(client, reader, january_funnel):
    body = client.get("/metrics/?period=2026-01&segment=SMB").content.decode()

    assert 'id="funnel-title"' not in body


def series_row(body: str, label: str) -> list[str]:
    """The cells of the page's series table row for a period label."""
    table = body[body.index('class="series-table"') :]
    row = re.search(rf">{label}</a></th>(.*?)</tr>", table, re.S).group(1)
    return [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<td.*?</td>", row, re.S)]


def test_a_funnel_metric_page_shows_the_definition_numerator_denominator_and_channels(
    client, reader, january_funnel
):
    body = client.get("/metrics/lead_qualification_rate/?period=2026-01").content.decode()

    assert "qualified leads / leads created" in body  # the formula
    assert "Lead quality" in body  # why it matters
    assert 'id="metric-data"' in body  # the chart's data
    assert series_row(body, "January 2026")[:3] == [["40.0%"], ["2"], ["5"]]
    breakdown = body[body.index("By channel") :]
    assert "Webinar" in breakdown and "Partner" in breakdown


def test_an_undefined_funnel_figure_shows_its_reason(client, reader, january_funnel):
    days = client.get("/metrics/lead_conversion_days/?period=2026-01").content.decode()
    assert series_row(days, "January 2026")[1:3] == [["10"], ["1"]]  # webinar-lead-0: 10 days

    week = client.get("/metrics/lead_conversion_rate/?period=2026-W03").content.decode()
    assert "no leads created in this period" in " ".join(series_row(week, "Week 3, 2026")[0])


def test_the_drill_down_lists_the_leads_behind_the_figure(client, reader, january_funnel):
    qualified = client.get("/metrics/qualified_leads/records/?period=2026-01").content.decode()
    assert "webinar-lead-0" in qualified and "webinar-lead-1" in qualified
    assert "webinar-lead-2" not in qualified and "partner-lead-0" not in qualified

    rate = client.get(
        "/metrics/lead_conversion_rate/records/?period=2026-01&channel=Webinar"
    ).content.decode()
    assert all(f"webinar-lead-{n}" in rate for n in range(4)) and "partner-lead-0" not in rate

    cost = client.get("/metrics/cost_per_lead/records/?period=2026-01").content.decode()
    assert "Marketing spend in" in cost and "partner-lead-0" in cost

    response = client.get("/metrics/converted_leads/records.csv?period=2026-01&table=leads")
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("ID,Created,Source")
    assert [line.split(",")[0] for line in csv.splitlines()[1:]] == ["webinar-lead-0"]


def test_the_funnel_drill_down_refuses_a_segment_cut(client, reader, january_funnel):
    response = client.get("/metrics/leads_created/records/?period=2026-01&segment=SMB")
    assert response.status_code == 400


def leads(count):
    Lead.objects.all().delete()
    Lead.objects.bulk_create(
        Lead(
            external_id=f"L{n}",
            created_date=date(2017, 6, 1 + n % 28),
            source="Referral",
            qualified_date=date(2017, 6, 28) if n % 2 else None,
            converted_date=date(2017, 6, 28) if n % 3 == 0 else None,
        )
        for n in range(count)
    )


FUNNEL_PAGES = [
    "/metrics/lead_conversion_rate/?channel=Referral",
    "/metrics/leads_created/records/?period=2017-06",
    "/metrics/cost_per_lead/records/?period=2017-06&channel=Referral",
    "/metrics/lead_conversion_days/records/?period=2017-06",
]


@pytest.mark.parametrize("url", FUNNEL_PAGES)
def test_funnel_pages_issue_the_same_queries_at_10_and_at_1000_leads(client, reader, url):
    stored_run(months=12)
    SpendFactory(month=date(2017, 6, 1), channel="Referral", amount=Decimal(500))
    leads(10)
    small = page_queries(client, url)
    leads(1000)
    large = page_queries(client, url)
    assert small == large
    assert_within_budget(url, large)


def test_the_scorecard_costs_no_query_more_for_its_funnel_row(client, reader):
    stored_run(months=12, last=Period.month(2017, 12))
    assert_within_budget("/metrics/", page_queries(client, "/metrics/"))
