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


# --- ISO weeks ----------------------------------------------------------------------------------


def test_an_iso_week_runs_monday_to_sunday_in_the_iso_week_numbering_year():
    first = Period.week(2026, 1)
    assert (first.start, first.last_day, first.kind) == (
        date(2025, 12, 29),
        date(2026, 1, 4),
        "week",
    )
    assert first.code() == "2026-W01"
    assert first.label() == "Week 1, 2026"
    # 29 December 2025 belongs to 2026-W01, not to a week of 2025.
    assert Period.containing(date(2025, 12, 29), "week") == first
    assert Period.containing(date(2026, 1, 4), "week") == first
    assert Period.containing(date(2025, 12, 28), "week").code() == "2025-W52"


def test_week_53_exists_only_in_years_that_have_one():
    assert (parse("2020-W53").start, parse("2020-W53").end) == (
        date(2020, 12, 28),
        date(2021, 1, 4),
    )
    assert parse("2026-W53").start == date(2026, 12, 28)
    for text in ("2021-W53", "2025-W53", "2026-W00", "2026-W54", "9999-W52"):
        with pytest.raises(ValueError, match="period"):
            parse(text)


@pytest.mark.parametrize("text", ["2026-W48", "2026-w48", " 2026-W48 "])
def test_a_week_code_parses_case_insensitively_and_round_trips(text):
    week = parse(text)
    assert (week.start, week.end, week.kind) == (date(2026, 11, 23), date(2026, 11, 30), "week")
    assert week.code() == "2026-W48"
    assert parse(week.code()) == week


def test_previous_and_next_week_cross_years():
    assert parse("2026-W01").previous() == parse("2025-W52")
    assert parse("2025-W52").next() == parse("2026-W01")
    assert parse("2020-W53").next() == parse("2021-W01")
    assert parse("2021-W01").previous() == parse("2020-W53")
    assert last_complete("week", date(2026, 11, 29)) == parse("2026-W47")  # a Sunday
    assert last_complete("week", date(2026, 11, 30)) == parse("2026-W48")  # the Monday after


def test_a_week_can_span_two_months_and_two_years():
    week = parse("2021-W52")  # Monday 27 December 2021 .. Sunday 2 January 2022
    assert (week.start, week.last_day) == (date(2021, 12, 27), date(2022, 1, 2))
    assert week.day_before == date(2021, 12, 26)
    assert [p.code() for p in covering("week", date(2021, 12, 31), date(2022, 1, 10))] == [
        "2021-W52",
        "2022-W01",
        "2022-W02",
    ]


def test_a_week_counts_its_days_over_30_4375_months():
    assert parse("2026-W48").months == Decimal(7) / Decimal("30.4375")
