"""Hostile query strings on every metrics URL: a bad or out-of-range value answers 400 with a
message (or is ignored where the page has a sensible default), never 500."""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from metrics import urls as metrics_urls
from tests.metrics.dashboard_support import make_persona, stored_run

pytestmark = pytest.mark.django_db

# The dashboard URLs that read `period=` (and the cut): each answers a bad one with a 400.
PERIOD_URLS = [
    ("metrics:scorecard", {}),
    ("metrics:metric", {"key": "win_rate"}),
    ("metrics:metric_csv", {"key": "arr"}),
    ("metrics:metric_json", {"key": "win_rate"}),
    ("metrics:records", {"key": "nrr"}),
    ("metrics:records_csv", {"key": "cac"}),
]
EDGE_PERIODS = [
    "0001",
    "0001-01",
    "0001-Q1",
    "9999",
    "9999-11",
    "9999-12",
    "9999-Q3",
    "9999-Q4",
    "0000-01",
    "0000",
    "1969-12",  # before METRICS_EARLIEST_DATE (1970-01-01)
    "2999-01",  # beyond METRICS_YEARS_AHEAD
    "2017-00",
    "2017-13",
    "2017-Q0",
    "0001-01-01..2017-01-01",
    "2017-01-01..9999-12-31",
    "2017-06-01..2017-05-01",
    "20170",
    "2017" * 2000,
    "2017-06\x00",
]


def client_for(who: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(make_persona(who))
    return client


@pytest.fixture
def manager():
    stored_run(months=12)
    return client_for("manager")


@pytest.mark.parametrize("period", EDGE_PERIODS)
def test_an_edge_or_malformed_period_answers_400_with_a_message(manager, period):
    for name, kwargs in PERIOD_URLS:
        response = manager.get(reverse(name, kwargs=kwargs), {"period": period})
        assert response.status_code == 400, (name, period, response.status_code)
        if name == "metrics:metric_json":
            assert response.json()["error"]
        else:
            assert '<p class="error">' in response.content.decode()


def test_an_out_of_range_period_says_which_periods_exist(manager):
    response = manager.get(
        reverse("metrics:metric", kwargs={"key": "win_rate"}), {"period": "0001"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "1970" in body


def test_the_first_and_last_plausible_periods_still_show(manager):
    from metrics.periods import Period, plausible_range

    earliest, latest = plausible_range()
    first = Period.containing(earliest, "month")
    last = Period.containing(latest, "quarter").previous()
    for period in (first, last, Period.containing(earliest, "year")):
        for name, kwargs in PERIOD_URLS:
            response = manager.get(reverse(name, kwargs=kwargs), {"period": period.code()})
            assert response.status_code == 200, (name, period, response.status_code)


def sample_urls() -> list[str]:
    """Every metrics route, reversed with a sample argument (a metric key, a small id)."""
    resolver = get_resolver(metrics_urls)
    urls = []
    for pattern in metrics_urls.urlpatterns:
        kwargs = {}
        for name in resolver.reverse_dict.getlist(pattern.name)[0][0][0][1]:
            kwargs[name] = "win_rate" if name == "key" else 1
        urls.append(reverse(f"metrics:{pattern.name}", kwargs=kwargs))
    return urls


HOSTILE_VALUES = [
    "",
    " ",
    "x" * 10_000,
    "\x00",
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "-1",
    "0",
    "99999999999999999999999999",
    "²",
    "١٢",
    "😀",
]
PARAMETERS = ["period", "kind", "segment", "channel", "page", "customers_page", "table", "run"]


def test_no_query_parameter_value_makes_any_metrics_url_fail(manager):
    failures = []
    for url in sample_urls():
        for parameter in PARAMETERS:
            for value in HOSTILE_VALUES:
                response = manager.get(url, {parameter: value})
                if response.status_code >= 500:
                    failures.append((url, parameter, value[:20], response.status_code))
    assert failures == []


def test_segment_and_channel_together_or_overlong_answer_400_or_show(manager):
    url = reverse("metrics:metric", kwargs={"key": "win_rate"})
    assert manager.get(url, {"segment": "SMB", "channel": "Ads"}).status_code == 400
    assert manager.get(url, {"segment": "S" * 10_000}).status_code == 200
    assert manager.get(url, {"kind": "fortnight"}).status_code == 400
