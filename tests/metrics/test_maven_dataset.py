"""The Maven CRM dataset: our figures match the ones published for it (SOURCE.md)."""

from datetime import date
from decimal import Decimal

import pytest

from metrics.calculations import compute_all
from metrics.cuts import Cut
from metrics.periods import Period, parse

pytestmark = pytest.mark.django_db

WHOLE_DATASET = Period(date(2016, 10, 1), date(2018, 1, 1))


def test_it_loads_every_dated_row(maven_pipeline):
    # 8,800 rows less the 500 Prospecting rows without an engage_date.
    assert maven_pipeline == 8300


def test_closed_deal_figures_over_the_whole_dataset(maven_pipeline):
    f = compute_all(WHOLE_DATASET)
    assert (f["won_count"].value, f["lost_count"].value) == (4238, 2473)
    assert (f["win_rate"].numerator, f["win_rate"].denominator) == (4238, 6711)
    assert round(f["win_rate"].value, 4) == Decimal("0.6315")
    assert f["won_amount"].value == 10_005_534
    assert round(f["avg_deal_size"].value, 2) == Decimal("2360.91")
    assert round(f["sales_cycle_days"].value, 2) == Decimal("51.78")
    # Engaging deals (1,589) are open at the end; they have no close_value, so amount 0.
    assert (f["open_pipeline_count"].value, f["open_pipeline_amount"].value) == (1589, 0)


@pytest.mark.parametrize(
    ("quarter", "won", "lost", "won_value"),
    [
        ("2017-Q1", 531, 116, 1_134_672),
        ("2017-Q2", 1254, 778, 3_086_111),
        ("2017-Q3", 1257, 790, 2_982_255),
        ("2017-Q4", 1196, 789, 2_802_496),
    ],
)
def test_quarterly_won_and_lost_counts_match_the_source(
    maven_pipeline, quarter, won, lost, won_value
):
    f = compute_all(parse(quarter))
    assert (f["won_count"].value, f["lost_count"].value, f["won_amount"].value) == (
        won,
        lost,
        won_value,
    )


def test_sector_segments_match_the_source(maven_pipeline):
    retail = compute_all(WHOLE_DATASET, Cut.segment("retail"))
    assert (retail["won_count"].value, retail["lost_count"].value) == (799, 468)
    assert retail["won_amount"].value == 1_867_528
    employment = compute_all(WHOLE_DATASET, Cut.segment("employment"))
    assert (employment["won_count"].value, employment["lost_count"].value) == (179, 107)
    assert employment["won_amount"].value == 436_174
