import csv
import io
from decimal import Decimal

import pytest

from metrics.csv_export import csv_response, safe_cell


@pytest.mark.parametrize(
    "text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("x")']
)
def test_text_that_a_spreadsheet_would_run_is_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_numbers_and_plain_text_stay_as_they_are():
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell("Acme") == "Acme"
    assert safe_cell(None) == ""


def test_csv_response_writes_neutralised_rows():
    response = csv_response(
        "x.csv", ["name", "amount"], [["=evil()", Decimal("-5.00")]], for_people=False
    )
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [["name", "amount"], ["'=evil()", "-5.00"]]
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
