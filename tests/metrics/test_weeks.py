"""ISO weeks as a period kind: a run's week figures against a hand-computed week that spans two
months, and the week on every surface (pages, JSON, CSV, shortcodes, metrics_report)."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import services
from metrics.models import MetricRun, MetricValue, Opportunity
from metrics.pages import periods_ending
from metrics.periods import WEEKS_COMPUTED, Period, parse
from playbook.shortcodes import expand, protect
from tests.metrics.dashboard_support import make_persona, store_figures, stored_run
from tests.metrics.factories import AccountFactory, OpportunityFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

# 2017-W09 runs from Monday 27 February to Sunday 5 March 2017: it spans two months.
WEEK = "2017-W09"


@pytest.fixture
def week_book():
    """Closed deals and subscriptions on and around the edges of 2017-W09.

    Win rate: won closed in the week = A (27 Feb) and B (5 Mar); lost = C (1 Mar); D (Sunday
    26 Feb) and E (Monday 6 Mar) fall outside: 2 / 3.
    New MRR: the opening day is 26 Feb, the closing day 5 Mar. X starts 28 Feb (100) and Y on
    5 Mar (250): new, 350; Z starts 6 Mar (not covered on 5 Mar); W already ran on 26 Feb
    (opening = closing = 40: no movement). Customers on 5 Mar: X, Y, W = 3.
    """
    x, y, z, w = (AccountFactory(segment="SMB") for _ in range(4))
    won, lost = Opportunity.Status.WON, Opportunity.Status.LOST
    for account, status, closed in [
        (x, won, date(2017, 2, 27)),
        (y, won, date(2017, 3, 5)),
        (z, lost, date(2017, 3, 1)),
        (w, won, date(2017, 2, 26)),
        (w, lost, date(2017, 3, 6)),
    ]:
        OpportunityFactory(
            account=account, status=status, created_date=date(2017, 2, 1), close_date=closed
        )
    SubscriptionFactory(account=x, mrr=Decimal(100), start_date=date(2017, 2, 28))
    SubscriptionFactory(account=y, mrr=Decimal(250), start_date=date(2017, 3, 5))
    SubscriptionFactory(account=z, mrr=Decimal(75), start_date=date(2017, 3, 6))
    SubscriptionFactory(account=w, mrr=Decimal(40), start_date=date(2017, 2, 20))
    return services.compute_now(trigger=MetricRun.Trigger.COMMAND)


def test_a_run_stores_the_hand_computed_figures_of_a_week_spanning_two_months(week_book):
    week = parse(WEEK)
    stored = {
        row.key: row
        for row in MetricValue.objects.of_run(week_book).filter(
            period_kind="week", period_start=week.start, cut_kind="all"
        )
    }
    assert stored["win_rate"].period_end == date(2017, 3, 6)
    assert (stored["win_rate"].numerator, stored["win_rate"].denominator) == (2, 3)
    assert stored["win_rate"].value.quantize(Decimal("0.0001")) == Decimal("0.6667")
    assert stored["new_mrr"].value == Decimal(350)
    assert stored["customers"].value == 3
    assert stored["won_count"].value == 2
    # The same week under a segment cut is stored too.
    assert (
        MetricValue.objects.of_run(week_book)
        .filter(period_kind="week", period_start=week.start, cut_kind="segment")
        .exists()
    )


def test_a_run_computes_only_the_last_weeks_of_the_records(db):
    OpportunityFactory(created_date=date(2015, 1, 1), close_date=date(2015, 2, 1))
    OpportunityFactory(created_date=date(2017, 3, 1), close_date=date(2017, 3, 8))  # 2017-W10
    weeks = [p for p in services.periods_to_compute() if p.kind == "week"]
    assert len(weeks) == WEEKS_COMPUTED == 26
    assert (weeks[0].code(), weeks[-1].code()) == ("2016-W37", "2017-W10")
    # A standard week asked for explicitly is added (compute_metrics --period 2015-W05).
    extra = parse("2015-W05")
    assert extra in services.periods_to_compute(extra=extra)


def test_metrics_report_prints_a_week_as_json(week_book):
    out = StringIO()
    call_command("metrics_report", "--period", "2017-w09", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["period"] == {"start": "2017-02-27", "end": "2017-03-06"}
    assert Decimal(report["metrics"]["new_mrr"]["value"]) == 350
    assert report["metrics"]["win_rate"]["numerator"] is not None
    assert Decimal(report["metrics"]["win_rate"]["denominator"]) == 3


@pytest.mark.parametrize(
    "url",
    [
        "/metrics/?period=2017-W09",
        "/metrics/new_mrr/?period=2017-W09",
        "/metrics/new_mrr.json?period=2017-W09",
        "/metrics/new_mrr.csv?period=2017-W09",
        "/metrics/new_mrr/records/?period=2017-W09",
    ],
)
def test_each_page_answers_for_a_week_with_its_figure(client, week_book, url):
    client.force_login(make_persona("reader"))
    response = client.get(url)
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    if url.endswith("records/?period=2017-W09"):
        assert "Week 9, 2017" in body
    elif ".json" in url:
        assert Decimal(response.json()["metrics"]["new_mrr"]["value"]) == 350
    elif ".csv" in url:
        assert "2017-W09,2017-02-27,2017-03-05,all,,350" in body
        assert len(body.strip().splitlines()) == 1 + 26  # the header and 26 weeks
    else:
        assert "Week 9, 2017" in body and "350" in body


def test_the_week_switch_leads_to_the_week_of_the_period_shown(client, week_book):
    client.force_login(make_persona("reader"))
    body = client.get("/metrics/?period=2017-03").content.decode()
    assert 'href="/metrics/?period=2017-W09">Week</a>' in body
    week_page = client.get("/metrics/?kind=week").content.decode()
    # The default week: the last complete one before today with stored values, else the latest.
    assert "Week 10, 2017" in week_page  # the last week the records reach


def test_a_bad_week_answers_400(client, week_book):
    client.force_login(make_persona("reader"))
    for url in (
        "/metrics/?period=2021-W53",
        "/metrics/?kind=fortnight",
        "/metrics/?period=2017-W9",
    ):
        response = client.get(url)
        assert response.status_code == 400, url


def test_last_week_in_a_shortcode_is_the_last_complete_week(week_book):
    html = expand(protect("{{ metric:new_mrr period=last_week }}"), today=date(2017, 3, 8))
    assert "Week 9, 2017" in html and "350" in html
    html = expand(protect("{{ metric:new_mrr period=2017-W09 }}"))
    assert 'href="/metrics/new_mrr/?period=2017-W09"' in html


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["/metrics/", "/metrics/win_rate/", "/metrics/win_rate.csv"])
def test_a_week_page_issues_as_many_queries_as_the_month_page_whatever_the_weeks(client, page):
    client.force_login(make_persona("reader"))
    run = stored_run(months=2)
    shown = Period.week(2017, 50)
    store_figures(run, periods=periods_ending(shown, 2))
    month = _queries(client, f"{page}?period=2017-12")
    with_two_weeks = _queries(client, f"{page}?period=2017-W50")
    store_figures(run, periods=periods_ending(shown, 60)[:-2])  # 58 earlier weeks
    assert _queries(client, f"{page}?period=2017-W50") == with_two_weeks == month
