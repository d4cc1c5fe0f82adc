"""A metric's page (definition, chart data, table, breakdown, target) and the playbook's cards."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics import catalog, pages, presentation
from metrics.cuts import Cut
from metrics.models import MetricValue
from metrics.periods import Period
from tests.metrics.dashboard_support import PERSONAS, make_persona, store_figures
from tests.metrics.factories import MetricRunFactory, MetricTargetFactory, MetricValueFactory

JUNE = Period.month(2017, 6)


def test_every_metric_says_what_it_measures_and_why_it_matters():
    missing = [m.key for m in catalog.METRICS if not (m.what.strip() and m.why.strip())]
    assert missing == []


@pytest.mark.django_db
def test_the_metric_page_shows_definition_chart_table_breakdown_and_target(client):
    run = MetricRunFactory()
    months = [Period.month(2017, m) for m in range(1, 7)]
    store_figures(run, keys=["win_rate"], periods=months, value=lambda k, i: Decimal(i + 1) / 10)
    for segment, number in [("SMB", "0.7"), ("Enterprise", "0.2")]:
        MetricValueFactory(run=run, key="win_rate", period_start=JUNE.start, period_end=JUNE.end,
                           cut_kind="segment", cut_value=segment, value=Decimal(number))  # fmt: skip
    MetricTargetFactory(key="win_rate", value=Decimal("0.5"), amber_band=Decimal("0.05"))
    client.force_login(make_persona("reader"))
    response = client.get(reverse("metrics:metric", kwargs={"key": "win_rate"}) + "?period=2017-06")
    body = response.content.decode()
    definition = catalog.BY_KEY["win_rate"]
    assert str(definition.what) in body and definition.why.replace("'", "&#x27;") in body
    assert str(definition.formula) in body
    chart = response.context["page"].chart
    assert chart["labels"][-6:] == [
        "January 2017",
        "February 2017",
        "March 2017",
        "April 2017",
        "May 2017",
        "June 2017",
    ]
    assert chart["data"][-6:] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    assert chart["data"][:18] == [None] * 18
    assert chart["target"] == 0.5
    assert (
        json.loads(body.split('id="metric-data" type="application/json">')[1].split("</script>")[0])
        == chart
    )
    # June's 0.6 is above the 0.5 target: green.
    assert response.context["page"].status == "green"
    assert "60.0%" in body and "70.0%" in body and "20.0%" in body
    assert "By segment" in body and "By channel" not in body
    assert 'href="/metrics/win_rate/records/?period=2017-06&amp;segment=SMB"' in body


@pytest.mark.django_db
def test_the_metric_page_switches_to_quarters_and_years():
    run = MetricRunFactory()
    store_figures(run, keys=["arr"], periods=[Period.quarter(2017, 1), Period.quarter(2017, 2)])
    page = pages.metric_page(
        run=run,
        definition=catalog.BY_KEY["arr"],
        period=Period.quarter(2017, 2),
        cut=Cut(),
    )
    assert len(page.series) == pages.SERIES_LENGTH["quarter"]
    assert [f.value for f in page.series[-2:]] == [Decimal(1), Decimal(2)]
    assert page.breakdown == {"segment": [], "channel": [], "industry": []}


@pytest.mark.django_db
def test_cac_breaks_down_by_channel_too():
    run = MetricRunFactory()
    MetricValueFactory(run=run, key="cac", period_start=JUNE.start, period_end=JUNE.end,
                       cut_kind="channel", cut_value="Referral", value=Decimal("400"))  # fmt: skip
    page = pages.metric_page(run=run, definition=catalog.BY_KEY["cac"], period=JUNE, cut=Cut())
    assert list(page.breakdown) == ["channel"]
    assert [(name, f.value) for name, f in page.breakdown["channel"]] == [
        ("Referral", Decimal("400"))
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", PERSONAS)
def test_the_success_metrics_section_shows_live_cards_linking_to_each_metric(client, who):
    run = MetricRunFactory()
    store_figures(
        run,
        keys=list(pages.HEADLINE_KEYS),
        periods=[Period.month(2017, 11), Period.month(2017, 12)],
    )
    client.force_login(make_persona(who))
    body = client.get(
        reverse("playbook:section", kwargs={"slug": "success-metrics"})
    ).content.decode()
    assert "Live metrics" in body
    assert body.count('class="metric-card') == len(pages.HEADLINE_KEYS)
    for key in pages.HEADLINE_KEYS:
        assert f'href="/metrics/{key}/?period=2017-12"' in body
    assert "<polyline" in body


@pytest.mark.django_db
def test_other_sections_and_an_empty_install_show_no_cards(client):
    client.force_login(make_persona("reader"))
    empty = client.get(
        reverse("playbook:section", kwargs={"slug": "success-metrics"})
    ).content.decode()
    assert "Live metrics" not in empty
    store_figures(MetricRunFactory(), keys=["arr"], periods=[Period.month(2017, 12)])
    other = client.get(
        reverse("playbook:section", kwargs={"slug": "tone-of-voice"})
    ).content.decode()
    assert "Live metrics" not in other


@pytest.mark.django_db
def test_every_persona_reads_the_pages_on_the_computed_demo_data(client):
    from metrics.demo import seed_demo_crm
    from metrics.services import compute_now

    seed_demo_crm(today=date(2026, 11, 23))
    run = compute_now(trigger="command")
    stored = MetricValue.objects.of_run(run).get(
        key="arr", period_kind="month", period_start=date(2026, 6, 1), cut_kind="all"
    )
    urls = ["/metrics/nrr/?period=2026-Q2", "/metrics/cac/?period=2026&channel=Referral",
            "/metrics/nrr/records/?period=2026-06&segment=SMB", "/metrics/cac/records/?period=2026-Q2",
            "/playbook/success-metrics/"]  # fmt: skip
    for who in PERSONAS:
        client.force_login(make_persona(who))
        scorecard = client.get("/metrics/?period=2026-06")
        assert scorecard.status_code == 200
        # Every persona after the first reads the page kept for the run: its ARR card says it.
        arr_card = scorecard.content.decode().split('data-key="arr"')[1].split("</li>")[0]
        assert presentation.format_value(stored.value, "money") in arr_card
        for url in urls:
            assert client.get(url).status_code == 200, (who, url)
