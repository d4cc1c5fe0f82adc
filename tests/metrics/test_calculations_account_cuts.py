"""Recurring revenue and new customers by industry and by acquisition channel; LTV:CAC and CAC
payback by channel (issue 9), against figures worked out by hand for June 2017.

Accounts (industry; acquisition channel = source of the first won deal):
  A Health, Events   (first won 2017-06-10): new 100 on 2017-06-10
  B Health, Referral (won Referral in March, Events in June): 200 since January, +50 from 06-15
  C Retail, Events   (first won in February): 300 since January, churns on 2017-06-20
  D Retail, never won (a lost Events deal): 80 since January — in "all" and Retail only
  E Retail, Events   (first won 2017-06-25): new 120 on 2017-06-25
Spend in June: Events 440.00 (marketing), Referral 100.00 (sales).
"""

import json
import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from metrics import catalog, services
from metrics.calculations import channels, compute_all, industries
from metrics.cuts import Cut
from metrics.models import MetricRun, Opportunity, Spend
from metrics.periods import parse
from playbook.markdown import render_markdown
from tests.metrics.dashboard_support import make_persona

from .factories import AccountFactory, OpportunityFactory, SpendFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

WON, LOST = Opportunity.Status.WON, Opportunity.Status.LOST
JUNE = parse("2017-06")
HEALTH, RETAIL = Cut(catalog.INDUSTRY, "Health"), Cut(catalog.INDUSTRY, "Retail")
EVENTS, REFERRAL = Cut.channel("Events"), Cut.channel("Referral")


def d(text):
    return date.fromisoformat(text)


@pytest.fixture
def book():
    a, b = AccountFactory(industry="Health"), AccountFactory(industry="Health")
    c, dd, e = (AccountFactory(industry="Retail") for _ in range(3))
    for account, status, closed, source in [
        (a, WON, "2017-06-10", "Events"),
        (b, WON, "2017-03-01", "Referral"),
        (b, WON, "2017-06-05", "Events"),  # not B's first win: B stays a Referral account
        (c, WON, "2017-02-01", "Events"),
        (dd, LOST, "2017-06-12", "Events"),  # never won: no acquisition channel
        (e, WON, "2017-06-25", "Events"),
    ]:
        OpportunityFactory(
            account=account,
            status=status,
            created_date=d("2017-01-01"),
            close_date=d(closed),
            source=source,
        )
    for account, mrr, start, end in [
        (a, "100.00", "2017-06-10", None),
        (b, "200.00", "2017-01-01", None),
        (b, "50.00", "2017-06-15", None),
        (c, "300.00", "2017-01-01", "2017-06-20"),
        (dd, "80.00", "2017-01-01", None),
        (e, "120.00", "2017-06-25", None),
    ]:
        SubscriptionFactory(
            account=account, mrr=Decimal(mrr), start_date=d(start), end_date=end and d(end)
        )
    SpendFactory(
        month=d("2017-06-01"),
        channel="Events",
        category=Spend.Category.MARKETING,
        amount=Decimal("440.00"),
    )
    SpendFactory(
        month=d("2017-06-01"),
        channel="Referral",
        category=Spend.Category.SALES,
        amount=Decimal("100.00"),
    )


def movements(cut):
    f = compute_all(JUNE, cut)
    keys = ["opening_mrr", "new_mrr", "expansion_mrr", "churned_mrr", "mrr", "customers"]
    return tuple(f[key].value for key in keys)


def test_recurring_revenue_by_industry(book):
    # Health: A new 100, B 200 → 250. Retail: C 300 churns, D 80 stays, E new 120.
    assert movements(HEALTH) == (200, 100, 50, 0, 350, 2)
    assert movements(RETAIL) == (380, 120, 0, 300, 200, 2)
    assert compute_all(JUNE, RETAIL)["customer_churn_rate"].value == Decimal("0.5")
    # The industries add up to "all": 580 + 220 + 50 − 300 = 550.
    assert movements(Cut()) == (580, 220, 50, 300, 550, 4)
    assert industries() == ["Health", "Retail"]


def test_recurring_revenue_by_channel_leaves_accounts_never_won_in_all_only(book):
    # Events: A, C, E (D's only deal was lost). Referral: B.
    assert movements(EVENTS) == (300, 220, 0, 300, 220, 2)
    assert movements(REFERRAL) == (200, 0, 50, 0, 250, 1)
    assert channels() == ["Events", "Referral"]


def test_new_customers_by_industry(book):
    assert compute_all(JUNE)["new_customers"].value == 2  # A and E
    assert compute_all(JUNE, HEALTH)["new_customers"].value == 1  # A (B first won in March)
    assert compute_all(JUNE, RETAIL)["new_customers"].value == 1  # E (D never won)


def test_ltv_cac_and_payback_by_channel(book):
    events = compute_all(JUNE, EVENTS)
    # CAC 440 / 2 = 220. LTV: ARPA 220 / 2 = 110, 1 of 1 opening customers churned → 110.
    assert events["cac"].value == Decimal("220")
    assert events["ltv"].value == Decimal("110")
    assert events["ltv_cac"].value == Decimal("0.5")
    # Payback: 440 / (new MRR 220 × gross margin 1) = 2 months.
    assert (events["cac_payback_months"].numerator, events["cac_payback_months"].denominator) == (
        Decimal("440"),
        Decimal("220"),
    )
    assert events["cac_payback_months"].value == 2


def test_undefined_channel_ratios_say_why(book):
    referral = compute_all(JUNE, REFERRAL)
    assert referral["ltv"].undefined_reason == "no churn in this period"
    assert referral["ltv_cac"].value is None
    assert referral["ltv_cac"].undefined_reason == "LTV is undefined (no churn in this period)"
    assert referral["cac"].undefined_reason == "no new customers"
    assert referral["cac_payback_months"].value is None
    assert referral["cac_payback_months"].undefined_reason == "no new MRR in this period"


def test_only_the_cuts_a_metric_has(book):
    industry = set(compute_all(JUNE, HEALTH))
    assert {"mrr", "ltv", "new_customers", "win_rate"} <= industry
    assert not industry & {"spend", "cac", "ltv_cac", "cac_payback_months", "forecast_amount"}
    channel = set(compute_all(JUNE, EVENTS))
    assert {"mrr", "ltv", "ltv_cac", "cac_payback_months", "new_customers", "cac"} <= channel
    assert "win_rate" not in channel


# --- Through a real run: the metric page's filter, drill-down, shortcode, metrics_report ------


@pytest.fixture
def computed(book):
    return services.compute_now(trigger=MetricRun.Trigger.MANUAL)


@pytest.fixture
def reader_client():
    client = Client(raise_request_exception=False)
    client.force_login(make_persona("reader"))
    return client


def test_the_metric_page_offers_only_its_cuts(computed, reader_client):
    mrr = reader_client.get(reverse("metrics:metric", kwargs={"key": "mrr"}), {"period": "2017-06"})
    spend = reader_client.get(
        reverse("metrics:metric", kwargs={"key": "spend"}), {"period": "2017-06"}
    )
    assert 'name="industry"' in mrr.content.decode()
    assert 'name="channel"' in mrr.content.decode()
    assert 'name="industry"' not in spend.content.decode()
    refused = reader_client.get(
        reverse("metrics:metric", kwargs={"key": "spend"}), {"industry": "Health"}
    )
    # The CRM-written value keeps its own element (translate="no"), so compare the text.
    text = re.sub(r"<[^>]+>", "", refused.content.decode())
    assert "Spend is not available for this cut (Industry: Health)" in text


def test_the_channel_drilldown_lists_the_accounts_acquired_through_it(computed, reader_client):
    url = reverse("metrics:records_csv", kwargs={"key": "mrr"})
    response = reader_client.get(url, {"period": "2017-06", "channel": "Events"})
    rows = b"".join(response.streaming_content).decode().splitlines()[1:]
    # A, C and E: D never won, B came through Referral.
    assert len(rows) == 3
    closing = sorted(Decimal(row.split(",")[4]) for row in rows)
    assert closing == [0, 100, 120]


def test_a_shortcode_with_an_industry_and_a_channel(computed):
    html = str(render_markdown("{{ metric:mrr period=2017-06 industry=Health }}"))
    assert "350" in html and "Industry: Health" in html
    html = str(render_markdown("{{ metric:ltv_cac period=2017-06 channel=Events }}"))
    assert "0.5" in html and "Channel: Events" in html


@pytest.mark.parametrize(
    ("option", "value", "key", "expected"),
    [
        ("--industry", "Retail", "mrr", "200"),
        ("--industry", "Health", "new_customers", "1"),
        ("--channel", "Events", "ltv_cac", "0.5"),
        ("--channel", "Events", "cac_payback_months", "2"),
    ],
)
def test_metrics_report_by_industry_and_channel(computed, option, value, key, expected):
    out = StringIO()
    call_command(
        "metrics_report", "--period", "2017-06", option, value, "--format", "json", stdout=out
    )
    report = json.loads(out.getvalue())
    assert report["metrics"][key]["value"] == expected
