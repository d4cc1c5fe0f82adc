"""The scorecard's and a metric page's figures are rendered once per run and kept
(metrics/kept_html.py): what a reader sees stays exactly what a fresh render shows. A newer run,
another language, period, cut, target, owner or finding gives other HTML; what depends on the
reader (the Recompute button, the owner form) never travels in the kept part."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from metrics import kept_html
from metrics.models import DataFinding, MetricOwner, MetricRun, MetricTarget
from metrics.presentation import format_value
from tests.metrics.dashboard_support import (
    LAST_MONTH,
    make_persona,
    months_ending,
    store_figures,
    stored_run,
)
from tests.metrics.factories import MetricRunFactory

pytestmark = pytest.mark.django_db

SCORECARD = "/metrics/?period=2017-12"
ARR_PAGE = "/metrics/arr/?period=2017-12"
WIN_RATE_PAGE = "/metrics/win_rate/?period=2017-12"


def card(html: str, key: str) -> str:
    return html.split(f'data-key="{key}"')[1].split("</li>")[0]


def page(client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def run_where_every_figure_is(number: str) -> MetricRun:
    run = MetricRunFactory()
    store_figures(run, periods=months_ending(LAST_MONTH, 3), value=lambda key, i: Decimal(number))
    return run


@pytest.fixture
def reader(client):
    user = make_persona("reader")
    client.force_login(user)
    return user


def test_a_newer_run_shows_its_own_figures_not_the_kept_ones(client, reader):
    run_where_every_figure_is("1234")
    assert format_value(Decimal(1234), "money") in card(page(client, SCORECARD), "arr")
    assert format_value(Decimal(1234), "money") in page(client, ARR_PAGE)

    newer = run_where_every_figure_is("5678")

    scorecard = page(client, SCORECARD)
    assert format_value(Decimal(5678), "money") in card(scorecard, "arr")
    assert format_value(Decimal(1234), "money") not in scorecard
    assert f"(run {newer.pk})" in scorecard
    metric = page(client, ARR_PAGE)
    assert format_value(Decimal(5678), "money") in metric
    assert format_value(Decimal(1234), "money") not in metric


def test_each_language_gets_its_own_kept_html(client, reader):
    stored_run(months=3)
    english = page(client, SCORECARD)
    polish = page(client, SCORECARD, HTTP_ACCEPT_LANGUAGE="pl")
    assert "Lead funnel" in english and "Lejek leadów" not in english
    assert "Lejek leadów" in polish and "Lead funnel" not in polish
    assert "Values per month" in page(client, ARR_PAGE)
    assert "Wartości miesięczne" in page(client, ARR_PAGE, HTTP_ACCEPT_LANGUAGE="pl")
    assert "Lead funnel" in page(client, SCORECARD)  # English is still kept apart


@pytest.mark.parametrize("first", ["manager", "reader"])
def test_a_managers_buttons_never_reach_a_reader_through_the_kept_html(client, first):
    stored_run(months=3)
    people = {"manager": make_persona("manager"), "reader": make_persona("reader")}
    order = [first, "reader" if first == "manager" else "manager"]
    seen = {}
    for who in order:
        client.force_login(people[who])
        seen[who] = (page(client, SCORECARD), page(client, ARR_PAGE))
    manager_scorecard, manager_metric = seen["manager"]
    reader_scorecard, reader_metric = seen["reader"]
    assert "Recompute now" in manager_scorecard and "Recompute now" not in reader_scorecard
    assert "Save owner" in manager_metric and "Save owner" not in reader_metric
    # The figures themselves are the same for both.
    assert card(manager_scorecard, "arr") == card(reader_scorecard, "arr")


def test_a_new_finding_owner_or_target_shows_at_once(client, reader):
    stored_run(months=3)
    assert "No owner" in card(page(client, SCORECARD), "win_rate")
    assert "finding" not in card(page(client, SCORECARD), "win_rate")
    page(client, WIN_RATE_PAGE)

    DataFinding.objects.create(
        code="closed_before_created", title="Closed before created", count=3,
        metric_keys=["win_rate"], explanation="",
    )  # fmt: skip
    assert "1 finding" in card(page(client, SCORECARD), "win_rate")

    carla = User.objects.create_user("cfo", "cfo@example.com", first_name="Carla")
    MetricOwner.objects.create(key="win_rate", owner=carla)
    assert ">Carla</a>" in card(page(client, SCORECARD), "win_rate")
    carla.first_name, carla.last_name = "Carla", "Finance"
    carla.save()
    assert ">Carla Finance</a>" in card(page(client, SCORECARD), "win_rate")

    DataFinding.objects.update(accepted_count=3)  # accepted: no longer open
    assert "finding" not in card(page(client, SCORECARD), "win_rate")

    # Win rate is 3 (300 %) in December: a target of 50 % "higher" is green, of 500 % red.
    target = MetricTarget.objects.create(key="win_rate", value=Decimal("0.5"), direction="higher")
    assert "status-green" in card(page(client, SCORECARD), "win_rate")
    assert "status-green" in page(client, WIN_RATE_PAGE)
    MetricTarget.objects.filter(pk=target.pk).update(value=Decimal(5))
    assert "status-red" in card(page(client, SCORECARD), "win_rate")
    assert "status-red" in page(client, WIN_RATE_PAGE)


def test_the_period_and_the_cut_are_part_of_what_is_kept(client, reader):
    run = MetricRunFactory()
    periods = months_ending(LAST_MONTH, 3)
    store_figures(run, periods=periods, value=lambda key, i: Decimal(100 + i))
    store_figures(
        run, periods=periods, cut_kind="segment", cut_value="SMB",
        value=lambda key, i: Decimal(900 + i),
    )  # fmt: skip
    december, november = Decimal(102), Decimal(101)
    assert format_value(december, "money") in card(page(client, SCORECARD), "arr")
    assert format_value(november, "money") in card(page(client, "/metrics/?period=2017-11"), "arr")
    smb = page(client, SCORECARD + "&segment=SMB")
    assert format_value(Decimal(902), "money") in card(smb, "arr")
    assert format_value(Decimal(902), "money") in page(client, ARR_PAGE + "&segment=SMB")
    assert format_value(december, "money") in page(client, ARR_PAGE)


def test_only_a_finished_successful_run_is_kept():
    rendered = []

    def render():
        rendered.append(1)
        return {"html": "x"}

    running = MetricRunFactory(status=MetricRun.Status.RUNNING)
    for _ in range(2):
        kept_html.kept_parts(running, page="test", vary=(), render=render)
        kept_html.kept_parts(None, page="test", vary=(), render=render)
    assert len(rendered) == 4
    done = MetricRunFactory()
    for _ in range(2):
        assert kept_html.kept_parts(done, page="test", vary=("a",), render=render) == {"html": "x"}
    assert len(rendered) == 5
    kept_html.kept_parts(done, page="test", vary=("b",), render=render)
    assert len(rendered) == 6
