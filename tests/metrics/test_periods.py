from datetime import date
from decimal import Decimal

import pytest

from metrics.periods import Period, covering, last_complete, parse


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2017", date(2017, 1, 1), date(2018, 1, 1), "year"),
        ("2017-Q2", date(2017, 4, 1), date(2017, 7, 1), "quarter"),
        ("2017-q4", date(2017, 10, 1), date(2018, 1, 1), "quarter"),
        ("2017-06", date(2017, 6, 1), date(2017, 7, 1), "month"),
        ("2017-12", date(2017, 12, 1), date(2018, 1, 1), "month"),
        ("2017-01-01..2017-07-01", date(2017, 1, 1), date(2017, 7, 1), "custom"),
    ],
)
def test_it_parses_every_period_form(text, start, end, kind):
    period = parse(text)
    assert (period.start, period.end, period.kind) == (start, end, kind)
    assert parse(period.code()) == period


@pytest.mark.parametrize("text", ["", "2017-13", "2017-Q5", "17", "2017-07-01..2017-01-01", "June"])
def test_it_rejects_a_bad_period_with_a_message(text):
    with pytest.raises(ValueError, match="period"):
        parse(text)


def test_months_in_a_period_follow_the_definition():
    assert parse("2017-06").months == 1
    assert parse("2017-Q2").months == 3
    assert parse("2017").months == 12
    assert parse("2017-01-01..2017-01-31").months == Decimal(30) / Decimal("30.4375")


def test_previous_and_last_complete_periods():
    assert parse("2017-01").previous() == parse("2016-12")
    assert parse("2017-Q1").previous() == parse("2016-Q4")
    assert last_complete("month", date(2026, 11, 23)) == parse("2026-10")
    assert last_complete("quarter", date(2026, 11, 23)) == parse("2026-Q3")
    assert last_complete("year", date(2026, 1, 1)) == parse("2025")
    assert parse("2017-06").last_day == date(2017, 6, 30)
    assert parse("2017-06").day_before == date(2017, 5, 31)


def test_covering_lists_every_overlapping_period():
    quarters = covering("quarter", date(2016, 10, 20), date(2017, 12, 31))
    assert [p.code() for p in quarters] == ["2016-Q4", "2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
    assert Period.containing(date(2017, 2, 28), "month") == parse("2017-02")


def test_plausible_range_runs_from_the_setting_to_ten_years_ahead(settings):
    from metrics.periods import plausible_range

    settings.METRICS_EARLIEST_DATE = "1990-01-01"
    settings.METRICS_YEARS_AHEAD = 10
    assert plausible_range(date(2026, 11, 29)) == (date(1990, 1, 1), date(2036, 11, 29))
    assert plausible_range(date(2028, 2, 29)) == (date(1990, 1, 1), date(2038, 2, 28))
