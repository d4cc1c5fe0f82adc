"""The scorecard's figures: change vs the previous period, targets, default period, cuts, sparkline."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from metrics import catalog, pages, presentation, selectors
from metrics.cuts import Cut
from metrics.models import MetricTarget
from metrics.periods import Period
from tests.metrics.dashboard_support import make_persona, store_figures, stored_run
from tests.metrics.factories import MetricRunFactory, MetricTargetFactory, MetricValueFactory

DEC, NOV = Period.month(2017, 12), Period.month(2017, 11)


def value(run, key, period, number, **extra):
    return MetricValueFactory(
        run=run, key=key, period_kind=period.kind, period_start=period.start,
        period_end=period.end, value=number, **extra,
    )  # fmt: skip


def row_for(card, key):
    return next(row for row in card.rows if row.definition.key == key)


@pytest.mark.django_db
def test_change_is_the_relative_difference_coloured_by_whether_higher_is_better():
    run = MetricRunFactory()
    value(run, "arr", NOV, Decimal("80000"))
    value(run, "arr", DEC, Decimal("100000"))
    value(run, "customer_churn_rate", NOV, Decimal("0.04"))
    value(run, "customer_churn_rate", DEC, Decimal("0.05"))
    card = pages.scorecard(run=run, period=DEC, cut=Cut())
    arr, churn = row_for(card, "arr"), row_for(card, "customer_churn_rate")
    # (100000 − 80000) / 80000 = +25%: ARR up is good.
    assert arr.change.percent == Decimal("25")
    assert (arr.change.direction, arr.change.tone) == ("up", "good")
    # (0.05 − 0.04) / 0.04 = +25%: churn up is bad.
    assert churn.change.percent == Decimal("25")
    assert (churn.change.direction, churn.change.tone) == ("up", "bad")


@pytest.mark.django_db
def test_a_change_from_zero_or_from_nothing_has_no_percentage():
    run = MetricRunFactory()
    value(run, "new_mrr", NOV, Decimal("0"))
    value(run, "new_mrr", DEC, Decimal("500"))
    value(run, "win_rate", DEC, Decimal("0.5"))
    card = pages.scorecard(run=run, period=DEC, cut=Cut())
    assert row_for(card, "new_mrr").change.percent is None
    assert row_for(card, "new_mrr").change.direction == "up"
    assert row_for(card, "win_rate").change.direction == "none"


@pytest.mark.parametrize(
    ("direction", "number", "expected"),
    [
        ("higher", "0.30", "green"),  # at the target
        ("higher", "0.27", "amber"),  # 0.03 below, within the 0.05 band
        ("higher", "0.25", "amber"),  # exactly at the band's edge
        ("higher", "0.24", "red"),
        ("lower", "0.30", "green"),
        ("lower", "0.34", "amber"),
        ("lower", "0.36", "red"),
    ],
)
def test_target_status_is_green_amber_or_red(direction, number, expected):
    target = MetricTarget(key="win_rate", value=Decimal("0.30"), direction=direction,
                          amber_band=Decimal("0.05"))  # fmt: skip
    assert presentation.target_status(target, Decimal(number)) == expected
    assert presentation.target_status(target, None) is None


@pytest.mark.django_db
def test_the_scorecard_shows_the_target_status_of_the_whole_business_or_the_segment():
    run = MetricRunFactory()
    value(run, "win_rate", DEC, Decimal("0.2"))
    value(run, "win_rate", DEC, Decimal("0.45"), cut_kind="segment", cut_value="SMB")
    MetricTargetFactory(key="win_rate", value=Decimal("0.3"), amber_band=Decimal("0.05"))
    MetricTargetFactory(
        key="win_rate",
        cut_kind="segment",
        cut_value="SMB",
        value=Decimal("0.4"),
        amber_band=Decimal("0"),
    )
    whole = row_for(pages.scorecard(run=run, period=DEC, cut=Cut()), "win_rate")
    smb = row_for(pages.scorecard(run=run, period=DEC, cut=Cut("segment", "SMB")), "win_rate")
    assert whole.status == "red" and smb.status == "green"


@pytest.mark.django_db
def test_a_team_target_shows_on_the_scorecards_team_cut_and_in_the_by_team_table():
    run = MetricRunFactory()
    for team, rate in (("Enterprise", "0.2"), ("SMB", "0.5")):
        value(run, "win_rate", DEC, Decimal(rate), cut_kind="team", cut_value=team)
    value(run, "win_rate", DEC, Decimal("0.35"))
    MetricTargetFactory(key="win_rate", value=Decimal("0.3"), amber_band=Decimal("0"))
    MetricTargetFactory(key="win_rate", cut_kind="team", cut_value="Enterprise",
                        value=Decimal("0.25"), amber_band=Decimal("0.1"))  # fmt: skip

    enterprise = pages.scorecard(run=run, period=DEC, cut=Cut("team", "Enterprise"))
    smb = pages.scorecard(run=run, period=DEC, cut=Cut("team", "SMB"))
    whole = pages.scorecard(run=run, period=DEC, cut=Cut())

    assert row_for(enterprise, "win_rate").status == "amber"  # 0.2: within 0.1 under 0.25
    assert row_for(smb, "win_rate").target is None  # near-miss: the whole business's is not its
    assert row_for(whole, "win_rate").status == "green"
    table = pages.team_view(run=run, period=DEC)
    column = pages.TEAM_VIEW_KEYS.index("win_rate")
    assert [(row.team, row.statuses[column]) for row in table.rows] == [
        ("Enterprise", "amber"),
        ("SMB", None),
    ]


@pytest.mark.django_db
def test_a_target_for_one_period_kind_wins_over_one_for_any_and_others_do_not_apply():
    run = MetricRunFactory()
    q4 = Period.containing(DEC.start, "quarter")
    value(run, "new_mrr", DEC, Decimal("900"))
    value(run, "new_mrr", q4, Decimal("2500"))
    value(run, "win_rate", DEC, Decimal("0.3"))
    value(run, "win_rate", q4, Decimal("0.3"))
    MetricTargetFactory(key="new_mrr", period_kind="month", value=Decimal("1000"),
                        amber_band=Decimal("200"))  # fmt: skip
    MetricTargetFactory(key="new_mrr", period_kind="quarter", value=Decimal("3000"),
                        amber_band=Decimal("0"))  # fmt: skip
    MetricTargetFactory(key="win_rate", value=Decimal("0.25"))  # any period kind
    MetricTargetFactory(key="win_rate", period_kind="quarter", value=Decimal("0.4"),
                        amber_band=Decimal("0"))  # fmt: skip

    month = pages.scorecard(run=run, period=DEC, cut=Cut())
    quarter = pages.scorecard(run=run, period=q4, cut=Cut())
    week = pages.scorecard(run=run, period=Period.containing(DEC.start, "week"), cut=Cut())

    assert row_for(month, "new_mrr").status == "amber"  # 900 against the month's 1,000
    assert row_for(quarter, "new_mrr").status == "red"  # 2,500 against the quarter's 3,000
    assert row_for(week, "new_mrr").target is None  # no week target, none for any kind
    assert row_for(month, "win_rate").target.value == Decimal("0.25")  # the "any" one
    assert row_for(quarter, "win_rate").status == "red"  # the quarter's own wins
    page = pages.metric_page(run=run, definition=catalog.BY_KEY["new_mrr"], period=q4, cut=Cut())
    assert page.target.value == Decimal("3000") and page.status == "red"


@pytest.mark.django_db
def test_the_default_period_is_the_last_complete_month_when_the_run_has_it():
    run = MetricRunFactory()
    value(run, "arr", NOV, Decimal("1"))
    value(run, "arr", DEC, Decimal("1"))
    assert selectors.default_period(run, "month", today=date(2017, 12, 10)) == NOV
    assert selectors.default_period(run, "month", today=date(2018, 1, 2)) == DEC


@pytest.mark.django_db
def test_the_default_period_falls_back_to_the_runs_latest_period():
    run = MetricRunFactory()
    value(run, "arr", NOV, Decimal("1"))
    assert selectors.default_period(run, "month", today=date(2026, 6, 1)) == NOV
    assert selectors.default_period(None, "month", today=date(2026, 6, 1)) == Period.month(2026, 5)


@pytest.mark.django_db
def test_pages_read_only_the_latest_successful_run():
    old = MetricRunFactory()
    value(old, "arr", DEC, Decimal("111"))
    failed = MetricRunFactory(status="failed")
    value(failed, "arr", DEC, Decimal("999"))
    assert selectors.latest_successful_run() == old
    newer = MetricRunFactory()
    value(newer, "arr", DEC, Decimal("222"))
    assert selectors.latest_successful_run() == newer


@pytest.mark.django_db
def test_a_channel_cut_shows_only_metrics_that_allow_it():
    run = MetricRunFactory()
    value(run, "cac", DEC, Decimal("700"), cut_kind="channel", cut_value="Referral")
    card = pages.scorecard(run=run, period=DEC, cut=Cut("channel", "Referral"))
    assert row_for(card, "cac").figure.value == Decimal("700")
    win_rate = row_for(card, "win_rate").figure
    assert not win_rate.available
    assert win_rate.missing_reason == "not available for this cut"


def test_a_sparkline_leaves_gaps_for_missing_values():
    lines = presentation.sparkline([Decimal(1), Decimal(3), None, Decimal(2)], width=120, height=32)
    # x steps of 120 / 3 = 40; y spans 2..30 (2 px padding): 1 → 30, 3 → 2, 2 → 16.
    assert lines == ["0.0,30.0 40.0,2.0", "120.0,16.0 120.0,16.0"]
    assert presentation.sparkline([None, None]) == []


@pytest.mark.parametrize(
    ("number", "unit", "text"),
    [
        (Decimal("0.4251"), "ratio", "42.5%"),
        (Decimal("1234567.891"), "money", "$1,234,568"),
        (Decimal("850.5"), "money", "$850.50"),
        (Decimal("12.25"), "days", "12.2 days"),
        (Decimal("3.5"), "multiple", "3.50×"),
        (Decimal("7"), "count", "7"),
        (Decimal("1500"), "money_per_day", "$1,500 per day"),
        (None, "money", "—"),
    ],
)
def test_values_are_formatted_by_unit(number, unit, text):
    assert presentation.format_value(number, unit) == text


@pytest.mark.django_db
def test_the_scorecard_page_shows_values_changes_and_the_as_of_time(client):
    run = MetricRunFactory()
    value(run, "arr", NOV, Decimal("80000"))
    value(run, "arr", DEC, Decimal("100000"))
    value(run, "win_rate", DEC, None, undefined_reason="no closed opportunities")
    client.force_login(make_persona("reader"))
    body = client.get(reverse("metrics:scorecard") + "?period=2017-12").content.decode()
    assert "$100,000" in body
    assert "▲ +25.0%" in body
    assert "no closed opportunities" in body
    # In the reader's locale format (English here).
    assert f"As of {date_format(localtime(run.finished_at), 'DATETIME_FORMAT')}" in body
    assert 'href="/metrics/arr/?period=2017-12"' in body
    assert "<polyline" in body
    assert "style=" not in body


@pytest.mark.django_db
def test_the_scorecard_lists_every_headline_metric_and_links_periods(client):
    stored_run(months=3)
    client.force_login(make_persona("reader"))
    body = client.get(reverse("metrics:scorecard") + "?period=2017-11").content.decode()
    for key in pages.HEADLINE_KEYS:
        assert str(catalog.BY_KEY[key].name) in body
    assert "?period=2017-10" in body and "?period=2017-12" in body
    assert "?period=2017-Q4" in body and "?period=2017" in body
    assert 'id="movements-data"' in body


@pytest.mark.django_db
def test_a_period_that_is_not_over_says_its_figures_are_so_far(client):
    from django.utils import timezone

    MetricRunFactory()
    client.force_login(make_persona("reader"))
    this_month = Period.containing(timezone.localdate(), "month")
    for path in (reverse("metrics:scorecard"), reverse("metrics:metric", args=["arr"])):
        current = client.get(f"{path}?period={this_month.code()}").content.decode()
        assert f"{this_month.label()} is not over yet" in current
        finished = client.get(f"{path}?period={this_month.previous().code()}").content.decode()
        assert "is not over yet" not in finished


@pytest.mark.django_db
def test_the_scorecard_switches_to_quarters():
    run = MetricRunFactory()
    q3, q4 = Period.quarter(2017, 3), Period.quarter(2017, 4)
    store_figures(run, keys=["arr"], periods=[q3, q4], value=lambda k, i: Decimal(100 * (i + 1)))
    card = pages.scorecard(run=run, period=q4, cut=Cut())
    arr = row_for(card, "arr")
    assert arr.figure.value == Decimal(200) and arr.previous.value == Decimal(100)
    assert card.movements_chart["labels"][-2:] == ["Q3 2017", "Q4 2017"]


@pytest.mark.django_db
def test_managers_see_the_recompute_button_and_the_runs_progress(client):
    run = MetricRunFactory(status="running", progress=30)
    client.force_login(make_persona("manager"))
    body = client.get(reverse("metrics:scorecard") + f"?run={run.pk}").content.decode()
    assert "Recompute now" in body
    assert f'data-status-url="/metrics/runs/{run.pk}/status.json"' in body
    assert '<progress max="100" value="30">' in body
