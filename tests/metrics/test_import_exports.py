"""Real exports as they come: the Salesforce samples, a Salesforce report export, HubSpot files.

Each import is checked against figures counted straight from the file with csv and plain Python
(won and lost counts and amounts per close month), and against the metrics engine's figures.
"""

import csv
import io
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from metrics import calculations
from metrics.models import Account, Opportunity
from metrics.periods import Period
from tests.metrics.factories import AccountFactory
from tests.metrics.test_import_command import run_import

pytestmark = pytest.mark.django_db

SALESFORCE = Path("/work/shared/datasets/salesforce_sample")


def file_tally(rows, *, status_of, month_of, amount_of):
    """{(month, status): (count, amount)} for closed rows, counted from the file's own cells."""
    counts, amounts = Counter(), defaultdict(Decimal)
    for row in rows:
        status = status_of(row)
        if status in ("won", "lost"):
            key = (month_of(row), status)
            counts[key] += 1
            amounts[key] += Decimal(amount_of(row) or "0")
    return {key: (counts[key], amounts[key]) for key in counts}


def database_tally():
    counts, amounts = Counter(), defaultdict(Decimal)
    for o in Opportunity.objects.exclude(status="open"):
        key = (o.close_date.strftime("%Y-%m"), o.status)
        counts[key] += 1
        amounts[key] += o.amount or Decimal("0")
    return {key: (counts[key], amounts[key]) for key in counts}


def assert_engine_agrees(tally):
    """The pipeline figures of each month equal the file's counts."""
    for year_month in {month for month, _ in tally}:
        year, month = map(int, year_month.split("-"))
        figures = calculations.pipeline_figures(Period.month(year, month), with_forecast=False)
        won = tally.get((year_month, "won"), (0, Decimal("0")))
        lost = tally.get((year_month, "lost"), (0, Decimal("0")))
        assert figures["won_count"].value == won[0], year_month
        assert figures["lost_count"].value == lost[0], year_month
        assert figures["won_amount"].value == won[1], year_month


# --- The Salesforce Data Loader samples ------------------------------------------------------


def test_the_salesforce_samples_give_the_won_and_lost_counted_in_the_file(tmp_path):
    code, _, err = run_import(
        tmp_path, "accounts", SALESFORCE / "Account.csv", "--preset", "salesforce"
    )
    assert code == 0, err
    code, _, err = run_import(
        tmp_path, "opportunities", SALESFORCE / "Opportunity.csv", "--preset", "salesforce"
    )
    assert code == 0, err

    with open(SALESFORCE / "Opportunity.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tally = file_tally(
        rows,
        status_of=lambda r: ("won" if r["IsWon"] == "1" else "lost") if r["IsClosed"] else "open",
        month_of=lambda r: r["CloseDate"][:7],
        amount_of=lambda r: r["Amount"],
    )
    assert sum(n for n, _ in tally.values()) == 15  # SOURCE.md: 12 Closed Won, 3 Closed Lost
    assert database_tally() == tally
    assert_engine_agrees(tally)
    with open(SALESFORCE / "Account.csv", encoding="utf-8-sig", newline="") as handle:
        names = {row["Id"]: row["Name"] for row in csv.DictReader(handle)}
    assert dict(Account.objects.values_list("external_id", "name")) == names


# --- A Salesforce report export (labels, MM/DD/YY, AM/PM, TRUE/FALSE) ----------------------

REPORT_COLUMNS = [
    "Opportunity Owner", "Account Name", "Account ID", "Opportunity Name", "Stage", "Fiscal Period",
    "Amount", "Probability (%)", "Close Date", "Created Date", "Type", "Lead Source", "Closed", "Won",
]  # fmt: skip
REPORT_ROWS = [
    ["Ada Byron", "Hill Group", "001HILL", "Hill - Loans", "Closed Won", "Q1-2024", "$1,200.50",
     "100", "01/15/24", "11/02/23 08:55 PM", "New Customer", "Web", "TRUE", "TRUE"],
    ["Ada Byron", "Hill Group", "001HILL", "Hill - Cards", "Closed Lost", "Q1-2024", "$300.00",
     "0", "01/30/24", "12/01/23 09:05 AM", "Existing Customer - Upgrade", "Partner", "TRUE",
     "FALSE"],
    ["Bo Chen", "Patterson-Hansen", "001PH", "PH - Treasury", "Closed Won", "Q1-2024", "$4,000.00",
     "100", "01/03/24", "12/20/23 11:59 PM", "Existing Customer - Replacement", "Web", "TRUE",
     "TRUE"],
    ["Bo Chen", "Patterson-Hansen", "001PH", "PH - FX", "Closed Won", "Q1-2024", "$2,500.25",
     "100", "02/14/24", "01/05/24 12:00 PM", "New Customer", "Phone Inquiry", "TRUE", "TRUE"],
    ["Bo Chen", "Hill Group", "001HILL", "Hill - Leasing", "Closed Lost", "Q1-2024", "", "0",
     "02/29/24", "01/06/24 12:30 AM", "", "", "TRUE", "FALSE"],
    ["Cy Diaz", "Hill Group", "001HILL", "Hill - Payroll", "Negotiation/Review", "Q2-2024",
     "$9,999.99", "90", "04/01/24", "02/01/24 07:15 AM", "New Customer", "Web", "FALSE", "FALSE"],
    ["Cy Diaz", "Patterson-Hansen", "001PH", "PH - Custody", "Closed Won", "Q1-2024", "$750.00",
     "100", "03/31/24", "02/02/24 03:45 PM", "New Customer", "Web", "TRUE", "TRUE"],
]  # fmt: skip


def report_export(*, without=()) -> str:
    """A Salesforce report export: its labels, MM/DD/YY dates, AM/PM datetimes, TRUE/FALSE.
    Such exports have no opportunity id column (the tests map the name onto external_id)."""
    columns = [column for column in REPORT_COLUMNS if column not in without]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(dict(zip(REPORT_COLUMNS, row, strict=True)) for row in REPORT_ROWS)
    return buffer.getvalue()


def report_tally(text: str):
    rows = list(csv.DictReader(io.StringIO(text)))

    def month_of(row):
        month, _, year = row["Close Date"].split("/")
        return f"20{year}-{month}"

    return file_tally(
        rows,
        status_of=lambda r: (
            ("won" if r["Won"] == "TRUE" else "lost") if r["Closed"] == "TRUE" else "open"
        ),
        month_of=month_of,
        amount_of=lambda r: r["Amount"].replace("$", "").replace(",", ""),
    )


def test_a_salesforce_report_export_imports_with_the_preset(tmp_path):
    AccountFactory(external_id="001HILL", name="Hill Group")
    AccountFactory(external_id="001PH", name="Patterson-Hansen")
    text = report_export()

    code, out, err = run_import(
        tmp_path, "opportunities", text, "--preset", "salesforce", "--map",
        "external_id=Opportunity Name",
    )  # fmt: skip

    assert code == 0, err
    assert "Imported 7 of 7 opportunities rows." in out
    tally = report_tally(text)
    assert tally == {
        ("2024-01", "won"): (2, Decimal("5200.50")),
        ("2024-01", "lost"): (1, Decimal("300.00")),
        ("2024-02", "won"): (1, Decimal("2500.25")),
        ("2024-02", "lost"): (1, Decimal("0")),
        ("2024-03", "won"): (1, Decimal("750.00")),
    }
    assert database_tally() == tally
    assert_engine_agrees(tally)
    deal = Opportunity.objects.select_related("account").get(external_id="Hill - Loans")
    assert (deal.owner, deal.source, deal.type) == ("Ada Byron", "Web", "new_business")
    assert (deal.created_date, deal.close_date) == (date(2023, 11, 2), date(2024, 1, 15))
    assert deal.account.name == "Hill Group"
    assert Opportunity.objects.get(external_id="PH - Treasury").type == "renewal"

    code, out, err = run_import(
        tmp_path, "opportunities", text, "--preset", "salesforce", "--map",
        "external_id=Opportunity Name",
    )  # fmt: skip
    assert code == 0, err
    assert Opportunity.objects.count() == 7  # importing again updates, never duplicates


def test_without_closed_and_won_columns_the_status_comes_from_salesforce_stage_names(tmp_path):
    content = (
        "Opportunity ID,Stage,Created Date,Close Date,Amount\n"
        "O1,Closed Won,01/02/24,02/03/24,100\n"
        "O2,Closed Lost,01/02/24,02/03/24,100\n"
        "O3,Prospecting,01/02/24,,\n"
        "O4,Verbal Yes,01/02/24,,\n"
    )

    code, _, err = run_import(tmp_path, "opportunities", content, "--preset", "salesforce")

    assert code == 1
    assert 'line 5, column Stage, value "Verbal Yes": is a stage with no status' in err
    assert Opportunity.objects.count() == 0

    args = ("--preset", "salesforce", "--status-from-stage", "Verbal Yes=open")
    code, _, err = run_import(tmp_path, "opportunities", content, *args)

    assert code == 0, err
    statuses = dict(Opportunity.objects.values_list("external_id", "status"))
    assert statuses == {"O1": "won", "O2": "lost", "O3": "open", "O4": "open"}


# --- HubSpot -------------------------------------------------------------------------------


def test_hubspot_internal_property_names_and_stage_ids(tmp_path):
    AccountFactory(external_id="9001")
    content = (
        "hs_object_id,dealname,amount,dealstage,pipeline,createdate,closedate,"
        "hubspot_owner_id,associatedcompanyid\n"
        "11,A,1500,closedwon,default,2024-01-02T09:30:00.000Z,2024-02-01T10:00:00.000Z,77,9001\n"
        "12,B,700,closedlost,default,2024-01-03T09:30:00.000Z,2024-02-02T10:00:00.000Z,77,\n"
        "13,C,,qualifiedtobuy,default,2024-01-04T09:30:00.000Z,,78,9001\n"
    )

    code, _, err = run_import(tmp_path, "opportunities", content, "--preset", "hubspot")

    assert code == 0, err
    rows = {o.external_id: o for o in Opportunity.objects.select_related("account")}
    assert {k: o.status for k, o in rows.items()} == {"11": "won", "12": "lost", "13": "open"}
    assert (rows["11"].created_date, rows["11"].close_date) == (date(2024, 1, 2), date(2024, 2, 1))
    assert (rows["11"].name, rows["11"].owner, rows["11"].account.external_id) == (
        "A",
        "77",
        "9001",
    )


def test_hubspot_export_labels_with_us_dates_and_times(tmp_path):
    content = (
        "Record ID,Deal Name,Deal Stage,Create Date,Close Date,Deal owner,Amount\n"
        "21,A,Closed Won,01/02/2024 09:30 AM,02/01/2024 10:00 PM,Kim,1500\n"
        "22,B,Closed Lost,01/03/2024 09:30 AM,02/02/2024 10:00 AM,Kim,700\n"
        "23,C,Contract Sent,01/04/2024 09:30 AM,,Lee,\n"
    )

    code, _, err = run_import(tmp_path, "opportunities", content, "--preset", "hubspot")

    assert code == 0, err
    rows = {o.external_id: o for o in Opportunity.objects.all()}
    assert {k: o.status for k, o in rows.items()} == {"21": "won", "22": "lost", "23": "open"}
    assert rows["21"].close_date == date(2024, 2, 1)


# --- Accounts by name ------------------------------------------------------------------------

NAME_ARGS = ("--preset", "salesforce", "--map", "external_id=Opportunity Name")


def test_a_report_with_account_names_only_resolves_them_by_name(tmp_path):
    AccountFactory(external_id="001HILL", name="Hill Group")
    AccountFactory(external_id="001PH", name="Patterson-Hansen")
    text = report_export(without=["Account ID"])

    code, _, err = run_import(tmp_path, "opportunities", text, *NAME_ARGS)

    assert code == 0, err
    accounts = dict(Opportunity.objects.values_list("external_id", "account__external_id"))
    assert accounts["Hill - Loans"] == "001HILL"
    assert accounts["PH - FX"] == "001PH"
    assert Account.objects.count() == 2


def test_a_report_with_unknown_account_names_is_refused_unless_asked_to_create_them(tmp_path):
    text = report_export(without=["Account ID"])

    code, _, err = run_import(tmp_path, "opportunities", text, *NAME_ARGS)

    assert code == 1
    assert err.count("no account has this external_id or name") == 7
    assert 'line 2, column Account Name, value "Hill Group": no account has' in err
    assert (Account.objects.count(), Opportunity.objects.count()) == (0, 0)

    code, out, err = run_import(
        tmp_path, "opportunities", text, *NAME_ARGS, "--create-accounts", "--dry-run"
    )
    assert code == 0, err
    assert "2 missing accounts would be created" in out
    assert Account.objects.count() == 0

    code, out, err = run_import(tmp_path, "opportunities", text, *NAME_ARGS, "--create-accounts")
    assert code == 0, err
    assert "Imported 7 of 7 opportunities rows. Created 2 accounts they name." in out
    assert sorted(Account.objects.values_list("external_id", "name")) == [
        ("Hill Group", "Hill Group"),
        ("Patterson-Hansen", "Patterson-Hansen"),
    ]
    tally = report_tally(text)
    assert database_tally() == tally
    assert_engine_agrees(tally)
    by_account = Counter(Opportunity.objects.values_list("account__name", flat=True))
    assert by_account == Counter(row["Account Name"] for row in csv.DictReader(io.StringIO(text)))

    code, out, err = run_import(tmp_path, "opportunities", text, *NAME_ARGS, "--create-accounts")
    assert code == 0, err
    assert "Created" not in out
    assert (Account.objects.count(), Opportunity.objects.count()) == (2, 7)


def test_a_name_several_accounts_share_is_a_row_error_even_when_creating(tmp_path):
    AccountFactory(external_id="001A", name="Hill Group")
    AccountFactory(external_id="001B", name="Hill Group")
    content = "external_id,account,status,created_date\nO1,Hill Group,open,2024-01-02\n"

    code, _, err = run_import(tmp_path, "opportunities", content, "--create-accounts")

    assert code == 1
    assert (
        'line 2, column account, value "Hill Group": 2 accounts have this name '
        "(external ids 001A, 001B): use the account's external_id"
    ) in err
    assert (Account.objects.count(), Opportunity.objects.count()) == (2, 0)


def test_an_external_id_wins_over_another_accounts_name(tmp_path):
    AccountFactory(external_id="Acme", name="Acme Holdings")
    AccountFactory(external_id="002", name="Acme")
    content = "external_id,account,status,created_date\nO1,Acme,open,2024-01-02\n"

    code, _, err = run_import(tmp_path, "opportunities", content)

    assert code == 0, err
    assert Opportunity.objects.get().account.external_id == "Acme"


REPORT_FOOTER = (
    '\r\n"Grand Totals (7 records)","","","","","","$26,450.74"\r\n\r\n'
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\r\n'
    '"Confidential Information - Do Not Distribute"\r\n'
    '"Generated By:  Ada Byron  11/29/2026 9:15 PM"\r\n"Northwind Ledger"\r\n'
)


def test_a_report_exports_footer_is_not_read_as_records(tmp_path):
    AccountFactory(external_id="001HILL", name="Hill Group")
    AccountFactory(external_id="001PH", name="Patterson-Hansen")
    text = report_export() + REPORT_FOOTER

    code, out, err = run_import(
        tmp_path, "opportunities", text, "--preset", "salesforce", "--map",
        "external_id=Opportunity Name",
    )  # fmt: skip

    assert code == 0, err
    assert "Imported 7 of 7 opportunities rows." in out
    assert database_tally() == report_tally(report_export())


def test_a_record_after_a_blank_line_is_still_a_record(tmp_path):
    AccountFactory(external_id="001HILL", name="Hill Group")
    AccountFactory(external_id="001PH", name="Patterson-Hansen")
    header, first, rest = report_export().split("\r\n", 2)
    text = f"{header}\r\n{first}\r\n\r\n{rest}"

    code, out, err = run_import(
        tmp_path, "opportunities", text, "--preset", "salesforce", "--map",
        "external_id=Opportunity Name",
    )  # fmt: skip

    assert code == 0, err
    assert Opportunity.objects.count() == 7


def test_a_one_cell_line_in_the_middle_of_the_records_is_a_row_error(tmp_path):
    header, first, rest = report_export().split("\r\n", 2)
    text = f"{header}\r\n{first}\r\n\r\nstray note\r\n{rest}"

    code, out, err = run_import(tmp_path, "opportunities", text, "--preset", "salesforce")

    assert code == 1
    assert Opportunity.objects.count() == 0
