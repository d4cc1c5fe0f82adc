"""Bad CSV input gets a clear report (line, column, value, reason) and
writes nothing, unless skipping invalid rows was asked for; never a traceback."""

from datetime import date, timedelta

import pytest

from metrics.importing.errors import ErrorReport, RowError
from metrics.models import Account, Opportunity, Spend, Subscription
from tests.metrics.conftest import run_import
from tests.metrics.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_account():
    return AccountFactory(external_id="ACC1")


OPP_HEADER = "external_id,account,status,created_date,close_date,amount\n"
GOOD_OPP = "GOOD,ACC1,won,2024-01-01,2024-02-01,100\n"

# Each case: one bad row (on `line`) and one good row whose key is GOOD.
CASES = {
    "ragged row": (
        "accounts",
        "external_id,name,segment\nBAD,Acme\nGOOD,Beta,SMB\n",
        (2, "(whole row)", "2 cells", "the header has 3 columns but this row has 2"),
    ),
    "NUL byte": (
        "accounts",
        "external_id,name\nBAD,Ac\x00me\nGOOD,Beta\n",
        (2, "name", "Ac\\0me", "contains a NUL byte"),
    ),
    "huge cell": (
        "accounts",
        "external_id,name\nBAD," + "x" * 20_000 + "\nGOOD,Beta\n",
        (2, "name", "x" * 200 + "… (20000 characters)", "is longer than 10000 characters"),
    ),
    "impossible date": (
        "accounts",
        "external_id,name,created_date\nBAD,Acme,2023-02-29\nGOOD,Beta,2024-02-29\n",
        (2, "created_date", "2023-02-29", "is not a real calendar date"),
    ),
    "not a date": (
        "accounts",
        "external_id,name,created_date\nBAD,Acme,someday\nGOOD,Beta,2024-02-29\n",
        (2, "created_date", "someday", "is not a date"),
    ),
    "year 0001": (
        "accounts",
        "external_id,name,created_date\nBAD,Acme,0001-01-01\nGOOD,Beta,2024-02-29\n",
        (2, "created_date", "0001-01-01", "is before 1970-01-01, the earliest date accepted"),
    ),
    "year 9999": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,won,2024-01-01,9999-12-31,100\n" + GOOD_OPP,
        (2, "close_date", "9999-12-31", "is more than 10 years ahead"),
    ),
    "a month before 1970": (
        "spend",
        "month,channel,category,amount\n1969-12,BAD,sales,5\n2024-01,GOOD,sales,5\n",
        (2, "month", "1969-12", "is before 1970-01-01"),
    ),
    "a US date far ahead": (
        "subscriptions",
        "external_id,account,mrr,start_date\nBAD,ACC1,10,1/2/2999\nGOOD,ACC1,10,2024-03-01\n",
        (2, "start_date", "1/2/2999", "is more than 10 years ahead"),
    ),
    "negative money": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,won,2024-01-01,2024-02-01,-100\n" + GOOD_OPP,
        (2, "amount", "-100", "must not be negative"),
    ),
    "non-numeric money": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,won,2024-01-01,2024-02-01,lots\n" + GOOD_OPP,
        (2, "amount", "lots", "is not an amount"),
    ),
    "29-digit amount": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,won,2024-01-01,2024-02-01," + "9" * 29 + "\n" + GOOD_OPP,
        (2, "amount", "9" * 29, "is too large: at most 16 digits before the decimal point"),
    ),
    "amount just over the stored digits": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,won,2024-01-01,2024-02-01,12345678901234567.5\n" + GOOD_OPP,
        (2, "amount", "12345678901234567.5", "is too large: at most 16 digits"),
    ),
    "NaN amount": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,won,2024-01-01,2024-02-01,NaN\n" + GOOD_OPP,
        (2, "amount", "NaN", "is not an amount"),
    ),
    "infinite MRR": (
        "subscriptions",
        "external_id,account,mrr,start_date\nBAD,ACC1,-Infinity,2024-03-01\nGOOD,ACC1,10,2024-03-01\n",
        (2, "mrr", "-Infinity", "is not an amount"),
    ),
    "huge amount with a decimal comma": (
        "spend",
        "month;channel;category;amount\n"
        "2024-01;BAD;sales;1.234.567.890.123.456.789.012.345.678,50\n2024-01;GOOD;sales;5\n",
        (
            2,
            "amount",
            "1.234.567.890.123.456.789.012.345.678,50",
            "is too large: at most 16 digits before the decimal point",
        ),
    ),
    "closed without a close date": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,lost,2024-01-01,,100\n" + GOOD_OPP,
        (2, "close_date", "", "is required for a lost opportunity"),
    ),
    "unknown status": (
        "opportunities",
        OPP_HEADER + "BAD,ACC1,maybe,2024-01-01,2024-02-01,100\n" + GOOD_OPP,
        (2, "status", "maybe", "use open, won or lost"),
    ),
    "unknown account": (
        "opportunities",
        OPP_HEADER + "BAD,NOPE,won,2024-01-01,2024-02-01,100\n" + GOOD_OPP,
        (
            2,
            "account",
            "NOPE",
            "no account has this external_id or name: import the accounts first",
        ),
    ),
    "end before start": (
        "subscriptions",
        "external_id,account,mrr,start_date,end_date\n"
        "BAD,ACC1,10,2024-03-01,2024-02-01\nGOOD,ACC1,10,2024-03-01,\n",
        (2, "end_date", "2024-02-01", "is before start_date (2024-03-01)"),
    ),
    "duplicate external_id": (
        "accounts",
        "external_id,name\nGOOD,Acme\nGOOD,Acme again\n",
        (3, "external_id", "GOOD", "duplicate of line 2"),
    ),
    "bad month and a quoted newline before it": (
        "spend",
        'month,channel,category,amount\n2024-01,GOOD,sales,"5"\n2024-13,"Trade\nshows",marketing,5\n',
        (3, "month", "2024-13", "is not a real month"),
    ),
    "unknown spend category": (
        "spend",
        "month,channel,category,amount\n2024-01,BAD,travel,5\n2024-01,GOOD,sales,5\n",
        (2, "category", "travel", "use marketing or sales"),
    ),
}

MODELS = {
    "accounts": Account,
    "opportunities": Opportunity,
    "subscriptions": Subscription,
    "spend": Spend,
}


def _good_rows(kind):
    model = MODELS[kind]
    if kind == "spend":
        return model.objects.filter(channel="GOOD")
    return model.objects.filter(external_id="GOOD")


def _count(kind):
    return (
        MODELS[kind].objects.exclude(external_id="ACC1").count()
        if kind == "accounts"
        else (MODELS[kind].objects.count())
    )


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_reports_the_bad_row_and_writes_nothing(tmp_path, known_account, case):
    kind, content, (line, column, value, reason) = case

    code, out, err = run_import(tmp_path, kind, content)

    assert code == 1
    assert f'line {line}, column {column}, value "{value}": ' in err
    assert reason in err
    assert "Nothing was written" in out
    assert "Traceback" not in err
    assert _count(kind) == 0


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_writes_the_valid_rows_when_asked_to_skip_invalid_ones(tmp_path, known_account, case):
    kind, content, (line, column, value, reason) = case

    code, out, err = run_import(tmp_path, kind, content, "--skip-invalid")

    assert code == 1  # the skipped row is still an error
    assert f"line {line}, column {column}" in err
    assert "Imported 1 of 2" in out
    assert "Skipped 1 invalid row" in out
    assert _count(kind) == 1
    assert _good_rows(kind).count() == 1


def test_it_keeps_the_first_of_two_duplicates_when_skipping(tmp_path):
    run_import(tmp_path, "accounts", "external_id,name\nA1,First\nA1,Second\n", "--skip-invalid")

    assert list(Account.objects.values_list("name", flat=True)) == ["First"]


def test_it_reports_every_bad_row_not_just_the_first(tmp_path):
    content = "external_id,name,created_date\nA1,,2024-01-01\nA2,Beta,12/32/2024\nA3,Gamma,\n"

    code, out, err = run_import(tmp_path, "accounts", content)

    assert code == 1
    assert 'line 2, column name, value "": is required' in err
    assert 'line 3, column created_date, value "12/32/2024": is not a real calendar date' in err
    assert "read month first" in err
    assert "line 4" not in err
    assert Account.objects.count() == 0


FILE_ERRORS = {
    "empty file": (b"", "The file is empty."),
    "only blank lines": (b"\r\n\r\n  \n", "The file is empty."),
    "header only": (b"external_id,name\n", "The file has a header but no data rows."),
    "missing required columns": (
        b"id,title\n1,Acme\n",
        "Missing required column(s) for accounts: external_id, name. "
        "The file's columns are: id, title.",
    ),
    "a binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not CSV"),
    "bytes that are no text encoding": (
        b"external_id,name\nA1,\x81\x8d\x8f\x90\x9d\n",
        "neither UTF-8 nor Windows-1252",
    ),
    "an unclosed quote": (
        b'external_id,name\nA1,"Acme\nA2,Beta\n',
        "Line 2: the file is not valid CSV",
    ),
}


@pytest.mark.parametrize("case", FILE_ERRORS.values(), ids=FILE_ERRORS.keys())
def test_it_refuses_a_file_it_cannot_read_with_a_clear_message(tmp_path, case):
    content, message = case

    code, out, err = run_import(tmp_path, "accounts", content)

    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert Account.objects.count() == 0


def test_it_names_the_ways_to_give_an_opportunity_a_status(tmp_path):
    code, _, err = run_import(
        tmp_path, "opportunities", "external_id,created_date,stage\nO1,2024-01-01,Won\n"
    )

    assert code == 1
    assert "status (or a stage column with --status-from-stage" in err
    assert Opportunity.objects.count() == 0


def test_it_rejects_a_mapping_to_a_column_the_file_does_not_have(tmp_path):
    code, _, err = run_import(
        tmp_path, "accounts", "id,title\n1,Acme\n", "--map", "external_id=ID", "--map", "name=Nom"
    )

    assert code == 1
    assert "Mapped column(s) not in the file: name=Nom" in err
    assert Account.objects.count() == 0


def test_it_rejects_a_mapping_to_an_unknown_field(tmp_path):
    code, _, err = run_import(tmp_path, "accounts", "id,title\n1,Acme\n", "--map", "colour=id")

    assert code == 1
    assert "Unknown field(s) in the mapping for accounts: colour" in err


def test_the_plausible_dates_follow_the_settings(tmp_path, settings):
    settings.METRICS_EARLIEST_DATE = "2000-01-01"
    settings.METRICS_YEARS_AHEAD = 1
    far = date.today() + timedelta(days=400)
    content = (
        "external_id,name,created_date\n"
        f"OLD,Old,1999-12-31\nFIRST,First,2000-01-01\nFAR,Far,{far.isoformat()}\n"
    )

    code, _, err = run_import(tmp_path, "accounts", content, "--skip-invalid")

    assert code == 1
    assert 'value "1999-12-31": is before 2000-01-01, the earliest date accepted' in err
    assert f'value "{far.isoformat()}": is more than 1 year ahead' in err
    assert list(Account.objects.values_list("external_id", flat=True)) == ["FIRST"]


# --- Reports stay short (issue 8, item 12) -----------------------------------------------------


def test_a_file_with_two_hundred_thousand_columns_gets_a_short_clear_message(tmp_path):
    header = ",".join(f"c{i}" for i in range(200_000))
    content = f"{header}\n" + ",".join("x" * 200_000) + "\n"

    code, out, err = run_import(tmp_path, "accounts", content)

    assert code == 1
    assert "The header has 200000 columns; an import reads at most 1000." in err
    assert len(err) < 500
    assert Account.objects.count() == 0


def test_an_overlong_header_is_refused(tmp_path):
    content = "external_id,name," + "n" * 200_000 + "\nA1,Acme,x\n"

    code, _, err = run_import(tmp_path, "accounts", content)

    assert code == 1
    assert "The header is longer than 100000 characters" in err
    assert len(err) < 500


def test_a_missing_column_message_names_only_the_first_columns(tmp_path):
    header = ",".join(f"column{i}" for i in range(900))
    content = f"{header}\n" + ",".join("x" * 900) + "\n"

    code, _, err = run_import(tmp_path, "accounts", content)

    assert code == 1
    assert "Missing required column(s) for accounts: external_id, name." in err
    assert "column0, column1," in err
    assert "… and 880 more." in err
    assert "column899" not in err
    assert len(err) < 1000


def test_the_command_lists_the_first_errors_per_column_and_counts_the_rest(tmp_path):
    rows = "".join(f"A{i},,someday\n" for i in range(2500))
    content = "external_id,name,created_date\n" + rows

    code, out, err = run_import(tmp_path, "accounts", content)

    lines = err.splitlines()
    assert code == 1
    assert sum(", column name, " in line for line in lines) == 100
    assert sum(", column created_date, " in line for line in lines) == 100
    assert "… and 2400 more errors in column name, not listed." in lines
    assert "… and 2400 more errors in column created_date, not listed." in lines
    assert "5000 problem(s) in 2500 row(s)." in lines
    assert len(lines) < 250
    assert "Nothing was written: 2500 of 2500" in out


def test_a_report_lists_at_most_the_cap_in_all_and_counts_the_rest_per_column():
    errors = [
        RowError.make(line, column, "x", "is wrong")
        for line in range(2, 12)
        for column in ("a", "b", "c")
    ]

    report = ErrorReport.of(errors, per_column=4, in_all=10)

    assert [(e.line, e.column) for e in report.listed][:4] == [
        (2, "a"),
        (2, "b"),
        (2, "c"),
        (3, "a"),
    ]
    assert len(report.listed) == 10
    assert report.more_by_column == {"a": 6, "b": 7, "c": 7}
    assert report.total == 30
    assert ErrorReport.from_json(report.as_json()) == report
    assert ["", "c", "", "7 more errors in column c, not listed"] in report.csv_rows()
