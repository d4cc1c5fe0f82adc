"""CSV exports (series and drill-downs: formula-neutralised, numbers numeric) and the JSON endpoint."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.periods import Period
from tests.metrics.dashboard_support import make_persona
from tests.metrics.factories import (
    AccountFactory,
    MetricRunFactory,
    MetricValueFactory,
    OpportunityFactory,
    SubscriptionFactory,
)

JUNE, MAY = Period.month(2017, 6), Period.month(2017, 5)


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # utf-8-sig: the CSVs for people start with a byte-order mark (metrics/csv_export.py).
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return response, list(csv.reader(io.StringIO(body)))


@pytest.fixture
def reader_client(client, db):
    client.force_login(make_persona("reader"))
    return client


def stored(run, key, period, value, **extra):
    return MetricValueFactory(
        run=run, key=key, period_start=period.start, period_end=period.end, value=value, **extra
    )


@pytest.mark.django_db
def test_the_series_csv_has_one_row_per_period_with_numbers_as_numbers(reader_client):
    run = MetricRunFactory()
    stored(run, "win_rate", JUNE, Decimal("0.25"), numerator=Decimal("1"), denominator=Decimal("4"))
    stored(run, "win_rate", MAY, None, numerator=Decimal("0"), denominator=Decimal("0"),
           undefined_reason="no closed opportunities")  # fmt: skip
    response, rows = download(reader_client, "/metrics/win_rate.csv?period=2017-06")
    assert response["Content-Disposition"] == 'attachment; filename="win_rate-month-2017-06.csv"'
    assert rows[0] == ["period", "first_day", "last_day", "cut_kind", "cut_value", "value",
                       "numerator", "denominator", "undefined_reason"]  # fmt: skip
    assert len(rows) == 1 + 24  # the chart's 24 months
    assert rows[-1][:5] == ["2017-06", "2017-06-01", "2017-06-30", "all", ""]
    assert [Decimal(cell) for cell in rows[-1][5:8]] == [Decimal("0.25"), 1, 4]
    assert rows[-1][8] == ""
    assert rows[-2][5] == "" and [Decimal(c) for c in rows[-2][6:8]] == [0, 0]
    assert rows[-2][8] == "no closed opportunities"
    assert rows[1][0] == "2015-07" and rows[1][-1] == "no value stored for this period"


@pytest.mark.django_db
def test_a_segment_value_that_looks_like_a_formula_is_neutralised_in_the_series_csv(reader_client):
    run = MetricRunFactory()
    stored(run, "arr", JUNE, Decimal("1200"), cut_kind="segment", cut_value="=HYPERLINK(1)")
    _, rows = download(reader_client, "/metrics/arr.csv?period=2017-06&segment=%3DHYPERLINK(1)")
    assert rows[-1][3:5] == ["segment", "'=HYPERLINK(1)"]
    assert Decimal(rows[-1][5]) == 1200


@pytest.mark.django_db
def test_the_drill_down_csv_neutralises_record_text_and_keeps_amounts_numeric(reader_client):
    account = AccountFactory(name="=cmd|' /C calc'!A0", segment="@SUM(1)")
    OpportunityFactory(account=account, name="+1 deal", owner="-Mallory", amount=Decimal("-12.50"),
                       created_date=date(2017, 5, 1), close_date=date(2017, 6, 2))  # fmt: skip
    response, rows = download(reader_client, "/metrics/win_rate/records.csv?period=2017-06")
    assert response["Content-Disposition"] == (
        'attachment; filename="win_rate-records-opportunities-2017-06.csv"'
    )
    assert rows[0] == ["ID", "Name", "Account", "Segment", "Status", "Type", "Amount",
                       "Created", "Closed", "Source", "Owner"]  # fmt: skip
    (row,) = rows[1:]
    assert row[1:4] == ["'+1 deal", "'=cmd|' /C calc'!A0", "'@SUM(1)"]
    assert Decimal(row[6]) == Decimal("-12.50")  # a number stays a number, even negative
    assert row[10] == "'-Mallory"


@pytest.mark.django_db
def test_the_mrr_drill_down_csv_lists_every_account_not_just_one_page(reader_client):
    for n in range(60):
        SubscriptionFactory(account=AccountFactory(name=f"Acc {n:02d}"), mrr=Decimal("10"),
                            start_date=date(2017, 1, 1))  # fmt: skip
    _, rows = download(reader_client, "/metrics/mrr/records.csv?period=2017-06")
    assert len(rows) == 1 + 60
    assert [Decimal(rows[1][3]), Decimal(rows[1][4]), rows[1][5]] == [10, 10, "unchanged"]


@pytest.mark.django_db
def test_a_drill_down_csv_can_pick_its_table(reader_client):
    _, rows = download(reader_client, "/metrics/cac/records.csv?period=2017-06&table=spend")
    assert rows == [["Month", "Channel", "Category", "Amount"]]
    response = reader_client.get("/metrics/cac/records.csv?period=2017-06&table=nope")
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_json_endpoint_has_the_period_reports_shape_for_one_metric(reader_client):
    run = MetricRunFactory()
    stored(run, "win_rate", JUNE, Decimal("0.25"), numerator=Decimal("1"), denominator=Decimal("4"))
    stored(run, "arr", JUNE, Decimal("1200"))
    data = reader_client.get(
        reverse("metrics:metric_json", kwargs={"key": "win_rate"}) + "?period=2017-06"
    ).json()
    assert data == {
        "period": {"start": "2017-06-01", "end": "2017-07-01"},
        "cut": {"segment": None, "channel": None, "industry": None, "owner": None, "team": None},
        "computed_at": run.finished_at.isoformat(),
        "metrics": {
            "win_rate": {
                "value": "0.25",
                "numerator": "1",
                "denominator": "4",
                "undefined_reason": None,
            }
        },
    }


@pytest.mark.django_db
def test_the_json_endpoint_honours_a_cut_and_says_why_a_value_is_missing(reader_client):
    run = MetricRunFactory()
    stored(run, "cac", JUNE, Decimal("850.5"), cut_kind="channel", cut_value="Referral")
    cac = reader_client.get("/metrics/cac.json?period=2017-06&channel=Referral").json()
    assert cac["cut"] == {
        "segment": None,
        "channel": "Referral",
        "industry": None,
        "owner": None,
        "team": None,
    }
    assert cac["metrics"]["cac"]["value"] == "850.5"
    win_rate = reader_client.get("/metrics/win_rate.json?period=2017-06&channel=Referral").json()
    assert win_rate["metrics"]["win_rate"]["value"] is None
    assert win_rate["metrics"]["win_rate"]["undefined_reason"]


@pytest.mark.django_db
def test_the_json_endpoint_refuses_a_bad_period_with_a_message(reader_client):
    response = reader_client.get("/metrics/win_rate.json?period=2017-13")
    assert response.status_code == 400
    assert "not a valid period" in response.json()["error"]
