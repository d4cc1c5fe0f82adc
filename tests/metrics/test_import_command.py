"""import_crm: real-world encodings and delimiters, presets, the shared datasets, options, idempotency."""

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import calculations
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import (
    Account,
    Forecast,
    MetricRun,
    Opportunity,
    QualityCheck,
    Spend,
    Subscription,
)
from metrics.periods import Period
from tests.metrics.conftest import run_import
from tests.metrics.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

DATASETS = Path("/work/shared/datasets")
SALESFORCE = DATASETS / "salesforce_sample"
MAVEN = DATASETS / "maven_crm"


# --- Encodings, delimiters, formats --------------------------------------------------------


def test_it_reads_utf8_with_a_byte_order_mark(tmp_path):
    content = "\ufeffexternal_id,name,segment\nA1,Ärzte Plus,Mid-market\n".encode()

    code, out, _ = run_import(tmp_path, "accounts", content)

    assert code == 0, out
    account = Account.objects.get()
    assert (account.external_id, account.name, account.segment) == (
        "A1",
        "Ärzte Plus",
        "Mid-market",
    )


def test_it_reads_cp1252_with_semicolons_and_decimal_commas(tmp_path):
    content = (
        "month;channel;category;amount\n"
        "2024-01;Messe München;marketing;€1.234,50\n"
        "2024-02;Café-Partner;sales;12,5\n"
    ).encode("cp1252")

    code, out, err = run_import(tmp_path, "spend", content)

    assert code == 0, err
    rows = {s.channel: s for s in Spend.objects.all()}
    assert rows["Messe München"].amount == Decimal("1234.50")
    assert rows["Messe München"].month == date(2024, 1, 1)
    assert rows["Café-Partner"].amount == Decimal("12.50")


def test_it_refuses_a_decimal_point_with_thousands_commas_in_a_semicolon_file(tmp_path):
    content = "month;channel;category;amount\n2024-01;Ads;marketing;1,234.50\n"

    code, _, err = run_import(tmp_path, "spend", content)

    assert code == 1
    assert 'line 2, column amount, value "1,234.50"' in err
    assert "decimal comma" in err
    assert Spend.objects.count() == 0


def test_it_reads_tabs_currency_symbols_and_quoted_newlines(tmp_path):
    AccountFactory(external_id="A1")
    content = (
        "external_id\taccount\tname\tstatus\tcreated_date\tclose_date\tamount\n"
        'O1\tA1\t"Big, multi-line\ndeal"\twon\t2024-01-05\t2024-02-04\t$1,234.50\n'
        "O2\tA1\tSmall\topen\t2024-01-06\t\t£ 99\n"
    )

    code, _, err = run_import(tmp_path, "opportunities", content)

    assert code == 0, err
    big, small = Opportunity.objects.order_by("external_id")
    assert big.name == "Big, multi-line\ndeal"
    assert big.amount == Decimal("1234.50")
    assert big.account.external_id == "A1"
    assert small.amount == Decimal("99.00")
    assert small.close_date is None


def test_it_reads_the_exporters_date_formats(tmp_path):
    content = (
        "external_id,name,created_date\n"
        "A1,Salesforce API,2024-01-22T16:14:25.000+0000\n"
        "A2,Salesforce report,1/22/2024\n"
        "A3,HubSpot,2024-01-22 16:14\n"
        "A5,US with time,01/22/2024 4:14 PM\n"
    )
    # (A day-first 22.01.2024 in this column would mix the orders: tests/metrics/test_import_dates.py)

    code, _, err = run_import(tmp_path, "accounts", content)

    assert code == 0, err
    assert set(Account.objects.values_list("created_date", flat=True)) == {date(2024, 1, 22)}


def test_it_reads_subscriptions_and_forecasts(tmp_path):
    AccountFactory(external_id="A1")
    run_import(
        tmp_path,
        "subscriptions",
        'external_id,account,plan,mrr,start_date,end_date\nS1,A1,Pro,"1,000",2024-01-01,2024-07-01\n',
    )
    code, _, err = run_import(
        tmp_path,
        "forecasts",
        "period_start,period_end,amount,recorded_on\n2024-04-01,2024-06-30,50000,2024-03-28\n",
    )

    assert code == 0, err
    subscription = Subscription.objects.get()
    assert (subscription.mrr, subscription.end_date) == (Decimal("1000.00"), date(2024, 7, 1))
    forecast = Forecast.objects.get()
    assert (forecast.period_end, forecast.amount) == (date(2024, 6, 30), Decimal("50000.00"))


# --- Presets ---------------------------------------------------------------------------------


def test_the_salesforce_sample_imports_accounts_then_opportunities(tmp_path):
    code_accounts, out_accounts, err = run_import(
        tmp_path, "accounts", SALESFORCE / "Account.csv", "--preset", "salesforce"
    )
    code_opps, out_opps, err2 = run_import(
        tmp_path, "opportunities", SALESFORCE / "Opportunity.csv", "--preset", "salesforce"
    )

    assert (code_accounts, code_opps) == (0, 0), err + err2
    assert "Imported 22 of 22 accounts rows." in out_accounts
    assert "Imported 50 of 50 opportunities rows." in out_opps
    assert "A metrics recomputation was queued." in out_opps
    assert Account.objects.count() == 22
    counts = {s: Opportunity.objects.filter(status=s).count() for s in ("won", "lost", "open")}
    assert counts == {"won": 12, "lost": 3, "open": 35}
    assert not Opportunity.objects.filter(account__isnull=True).exists()
    # The file's second row, read by eye: Hill Group, Closed Won, 1651993.36, closed 2023-06-17.
    deal = Opportunity.objects.select_related("account").get(external_id="006Ec00000AieKGIAZ")
    assert deal.account.external_id == "001Ec00000GGw3sIAD"
    assert deal.name == "Hill Group - Business Loans - June 2023"
    assert (deal.status, deal.stage, deal.amount) == ("won", "Closed Won", Decimal("1651993.36"))
    assert (deal.created_date, deal.close_date) == (date(2024, 1, 22), date(2023, 6, 17))
    assert deal.type == "new_business"  # Type is blank in the sample
    assert Account.objects.get(external_id="001Ec00000GGw3sIAD").name == "Hill Group"


def test_salesforce_opportunities_before_their_accounts_write_nothing(tmp_path):
    code, out, err = run_import(
        tmp_path, "opportunities", SALESFORCE / "Opportunity.csv", "--preset", "salesforce"
    )

    assert code == 1
    assert err.count("import the accounts first") == 50
    assert Opportunity.objects.count() == 0


def test_the_salesforce_preset_reads_report_exports_with_display_labels(tmp_path):
    AccountFactory(external_id="001A")
    content = (
        "Opportunity ID,Account ID,Opportunity Name,Amount,Stage,Closed,Won,Created Date,"
        "Close Date,Lead Source,Type,Opportunity Owner\n"
        '006A,001A,Upgrade,"$12,000.00",Closed Won,TRUE,TRUE,1/5/2024,2/20/2024,Web,'
        "Existing Customer - Upgrade,Ada Lovelace\n"
        "006B,001A,Renewal,500,Closed Lost,TRUE,FALSE,1/6/2024,3/1/2024,,Renewal,Ada Lovelace\n"
        "006C,001A,New,,Prospecting,FALSE,FALSE,1/7/2024,6/30/2024,Partner,New Customer,Bo\n"
        "006D,001A,Odd,,Prospecting,FALSE,FALSE,1/7/2024,,,Partner Deal,Bo\n"
    )

    code, _, err = run_import(tmp_path, "opportunities", content, "--preset", "salesforce")
    assert code == 1
    assert 'line 5, column Type, value "Partner Deal": is not an opportunity type' in err
    assert Opportunity.objects.count() == 0

    code, _, err = run_import(
        tmp_path, "opportunities", content, "--preset", "salesforce", "--skip-invalid"
    )
    rows = {o.external_id: o for o in Opportunity.objects.all()}
    assert set(rows) == {"006A", "006B", "006C"}
    assert (rows["006A"].status, rows["006A"].type, rows["006A"].amount) == (
        "won",
        "expansion",
        Decimal("12000.00"),
    )
    assert (rows["006A"].owner, rows["006A"].source) == ("Ada Lovelace", "Web")
    assert (rows["006B"].status, rows["006B"].type) == ("lost", "renewal")
    assert (rows["006C"].status, rows["006C"].type, rows["006C"].amount) == (
        "open",
        "new_business",
        None,
    )
    assert rows["006A"].close_date == date(2024, 2, 20)


def test_the_hubspot_preset_reads_deal_stages_and_refuses_unknown_ones(tmp_path):
    AccountFactory(external_id="9001")
    content = (
        "Record ID,Deal Name,Amount,Deal Stage,Pipeline,Create Date,Close Date,Deal owner,"
        "Deal Type,Associated Company\n"
        "1,Won deal,1500,closedwon,default,2024-01-02 09:30,2024-02-01 10:00,Kim,newbusiness,9001\n"
        "2,Lost deal,700,Closed Lost,default,2024-01-03 09:30,2024-02-02 10:00,Kim,,\n"
        "3,Open deal,,appointmentscheduled,default,2024-01-04 09:30,,Lee,existingbusiness,9001\n"
        "4,Custom stage,,Demo booked,default,2024-01-05 09:30,,Lee,,\n"
    )

    code, _, err = run_import(tmp_path, "opportunities", content, "--preset", "hubspot")
    assert code == 1
    assert 'line 5, column Deal Stage, value "Demo booked": is a stage with no status' in err
    assert Opportunity.objects.count() == 0

    code, _, err = run_import(
        tmp_path,
        "opportunities",
        content,
        "--preset",
        "hubspot",
        "--status-from-stage",
        "Demo booked=open",
    )
    assert code == 0, err
    rows = {o.external_id: o for o in Opportunity.objects.select_related("account")}
    assert {k: o.status for k, o in rows.items()} == {
        "1": "won",
        "2": "lost",
        "3": "open",
        "4": "open",
    }
    assert rows["1"].account.external_id == "9001"
    assert rows["2"].account is None
    assert (rows["1"].created_date, rows["1"].close_date) == (date(2024, 1, 2), date(2024, 2, 1))
    assert rows["3"].type == "expansion"
    assert rows["1"].owner == "Kim"


def test_the_maven_data_gives_the_published_figures(tmp_path):
    code, _, err = run_import(
        tmp_path,
        "accounts",
        MAVEN / "accounts.csv",
        "--map",
        "external_id=account",
        "--map",
        "name=account",
        "--map",
        "segment=sector",
    )
    assert code == 0, err

    code, out, err = run_import(
        tmp_path,
        "opportunities",
        MAVEN / "sales_pipeline.csv",
        "--map=external_id=opportunity_id",
        "--map=owner=sales_agent",
        "--map=name=product",
        "--map=stage=deal_stage",
        "--map=created_date=engage_date",
        "--map=amount=close_value",
        "--status-from-stage",
        "Won=won,Lost=lost,*=open",
        "--skip-invalid",
    )

    # SOURCE.md: 500 Prospecting rows have no engage_date, so they cannot be dated.
    assert code == 1
    assert "Imported 8300 of 8800 opportunities rows. Skipped 500 invalid rows." in out
    # The first 100 are listed, the rest counted (issue 8, item 12).
    assert err.count('column engage_date, value "": is required') == 100
    assert "… and 400 more errors in column engage_date, not listed." in err
    assert "500 problem(s) in 500 row(s)." in err
    assert Opportunity.objects.filter(account__isnull=True).count() == 1425 - 337
    figures = calculations.pipeline_figures(Period.year(2017), with_forecast=False)
    assert figures["win_rate"].numerator == 4238
    assert figures["win_rate"].denominator == 4238 + 2473
    assert figures["won_amount"].value == Decimal("10005534")
    assert figures["avg_deal_size"].value.quantize(Decimal("0.01")) == Decimal("2360.91")
    assert figures["sales_cycle_days"].value.quantize(Decimal("0.01")) == Decimal("51.78")


# --- Options ---------------------------------------------------------------------------------


def test_a_dry_run_validates_and_writes_nothing(tmp_path):
    code, out, _ = run_import(
        tmp_path, "accounts", "external_id,name\nA1,Acme\nA2,Beta\n", "--dry-run"
    )

    assert code == 0
    assert "Dry run: 2 of 2 accounts rows are valid, 0 invalid. Nothing was written." in out
    assert Account.objects.count() == 0
    assert MetricRun.objects.count() == 0


def test_a_dry_run_with_invalid_rows_fails_and_writes_nothing(tmp_path):
    code, out, err = run_import(
        tmp_path, "accounts", "external_id,name\nA1,\nA2,Beta\n", "--dry-run", "--skip-invalid"
    )

    assert code == 1
    assert 'line 2, column name, value "": is required' in err
    assert "1 of 2 accounts rows are valid, 1 invalid" in out
    assert Account.objects.count() == 0


def test_a_successful_import_requests_one_recomputation(tmp_path):
    code, out, _ = run_import(tmp_path, "accounts", "external_id,name\nA1,Acme\n")

    assert code == 0
    assert "A metrics recomputation was queued." in out
    run = MetricRun.objects.get()
    assert run.trigger == MetricRun.Trigger.IMPORT


def test_a_refused_import_requests_no_recomputation(tmp_path):
    code, _, _ = run_import(tmp_path, "accounts", "external_id,name\nA1,\n")

    assert code == 1
    assert MetricRun.objects.count() == 0


def test_the_command_exits_non_zero_with_a_message_not_a_traceback(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    manage = Path(settings.BASE_DIR) / "manage.py"

    result = subprocess.run(
        [sys.executable, str(manage), "import_crm", "accounts", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    unknown_kind = subprocess.run(
        [sys.executable, str(manage), "import_crm", "prospects", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "empty.csv: The file is empty." in result.stderr
    assert "Traceback" not in result.stderr
    assert unknown_kind.returncode == 2
    assert "invalid choice: 'prospects'" in unknown_kind.stderr


# --- Idempotency: importing a record again updates it ---------------------------------------------

REIMPORTS = {
    "accounts": (
        "external_id,name,segment\nA1,Acme,SMB\nA2,Beta,SMB\n",
        "external_id,name,segment\nA1,Acme Corp,Enterprise\nA2,Beta,SMB\n",
        lambda: Account.objects.get(external_id="A1").segment,
        "Enterprise",
    ),
    "opportunities": (
        "external_id,status,created_date,close_date,amount\nO1,open,2024-01-01,,\n"
        "O2,won,2024-01-01,2024-02-01,10\n",
        "external_id,status,created_date,close_date,amount\nO1,won,2024-01-01,2024-03-01,250\n"
        "O2,won,2024-01-01,2024-02-01,10\n",
        lambda: Opportunity.objects.get(external_id="O1").amount,
        Decimal("250.00"),
    ),
    "subscriptions": (
        "external_id,account,mrr,start_date\nS1,ACC,100,2024-01-01\nS2,ACC,5,2024-01-01\n",
        "external_id,account,mrr,start_date,end_date\nS1,ACC,100,2024-01-01,2024-05-01\n"
        "S2,ACC,5,2024-01-01,\n",
        lambda: Subscription.objects.get(external_id="S1").end_date,
        date(2024, 5, 1),
    ),
    "spend": (
        "month,channel,category,amount\n2024-01,Ads,marketing,100\n2024-01,Ads,sales,7\n",
        "month,channel,category,amount\n2024-01,Ads,marketing,120\n2024-01,Ads,sales,7\n",
        lambda: Spend.objects.get(category="marketing").amount,
        Decimal("120.00"),
    ),
    "forecasts": (
        "period_start,period_end,amount,recorded_on\n2024-01-01,2024-03-31,900,2023-12-15\n"
        "2024-01-01,2024-03-31,950,2024-01-02\n",
        "period_start,period_end,amount,recorded_on\n2024-01-01,2024-03-31,910,2023-12-15\n"
        "2024-01-01,2024-03-31,950,2024-01-02\n",
        lambda: Forecast.objects.get(recorded_on=date(2023, 12, 15)).amount,
        Decimal("910.00"),
    ),
}


@pytest.mark.parametrize("kind", REIMPORTS)
def test_importing_again_updates_rows_instead_of_duplicating_them(tmp_path, kind):
    AccountFactory(external_id="ACC")
    first, second, read_value, expected = REIMPORTS[kind]
    model = {
        "accounts": Account,
        "opportunities": Opportunity,
        "subscriptions": Subscription,
        "spend": Spend,
        "forecasts": Forecast,
    }[kind]
    before = model.objects.count()

    assert run_import(tmp_path, kind, first)[0] == 0
    assert run_import(tmp_path, kind, first)[0] == 0
    assert model.objects.count() == before + 2
    assert run_import(tmp_path, kind, second)[0] == 0

    assert model.objects.count() == before + 2
    assert read_value() == expected


def test_a_reimport_without_a_column_keeps_the_stored_values(tmp_path):
    run_import(tmp_path, "accounts", "external_id,name,segment\nA1,Acme,Enterprise\n")

    run_import(tmp_path, "accounts", "external_id,name\nA1,Acme Corp\n")

    account = Account.objects.get()
    assert (account.name, account.segment) == ("Acme Corp", "Enterprise")


# --- Query budget ----------------------------------------------------------------------------


def _opportunities_csv(count: int) -> bytes:
    lines = ["external_id,account,status,created_date,close_date,amount"]
    lines += [f"O{i},ACC{i % 7},won,2024-01-01,2024-02-01,{i}" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def _queries_for(count: int, **kwargs) -> int:
    data = _opportunities_csv(count)
    MetricRun.objects.all().delete()  # each import queues its own run (none waits to share)
    QualityCheck.objects.all().delete()  # and its own data-quality check
    with CaptureQueriesContext(connection) as queries:
        outcome = import_records(data=data, options=ImportOptions(kind="opportunities"), **kwargs)
    assert outcome.rows_written == count
    return len(queries)


def test_fifty_and_five_hundred_rows_issue_the_same_number_of_queries():
    for i in range(7):
        AccountFactory(external_id=f"ACC{i}")
    OpportunityFactory(external_id="EARLIER")  # a table with records: the upsert's way

    fifty = _queries_for(50)
    # The same change again, bigger: each account gains its first won deal (so its channel).
    Opportunity.objects.exclude(external_id="EARLIER").delete()
    five_hundred = _queries_for(500)

    assert fifty == five_hundred
    # To stage, check and write: on SQLite nine (staging.py: create the staging table, load it,
    # look for duplicates, resolve the accounts in one join, upsert, drop it, in a savepoint);
    # on PostgreSQL fourteen (raw_copy.py: create the table of the raw file, COPY it, count its
    # rows and date forms, create the staging table, read every row into it, look for
    # duplicates, resolve the accounts, in a transaction; then upsert and drop it); one notes
    # the import (freshness); four queue the recomputation, two the quality check; five read
    # the records' state before and after the write, two the first records of the accounts whose
    # acquisition channel changed (metrics/incremental.py: the periods the recomputation has to
    # compute); on PostgreSQL one more sees the table is not empty
    # (first_load.py); four lock the change markers of the kept totals' sources and read their
    # stamps (metrics/calculations/kept.py `through`: stale here, so nothing more).
    assert five_hundred <= 33


def test_a_first_import_into_an_empty_table_issues_as_many_queries_for_any_size():
    for i in range(7):
        AccountFactory(external_id=f"ACC{i}")

    fifty = _queries_for(50)
    _empty_opportunities()
    five_hundred = _queries_for(500)

    assert fifty == five_hundred
    # On PostgreSQL (first_load.py): the table seen empty; the raw file's table; the table's
    # indexes and foreign keys read, three locks (the accounts, the table, the new customers'
    # listings), the table seen empty again; the listings' foreign key, three constraints
    # (primary key, unique, foreign key) and three indexes dropped; the write in a savepoint
    # (its ISO dates need no scan for their order); the raw table dropped; the builds' memory
    # and workers set; the indexes and constraints built again; the import noted; then the
    # recomputation and the quality check queued, as always.
    assert five_hundred <= 37


def _empty_opportunities():
    """On PostgreSQL by TRUNCATE: a DELETE leaves its rows' foreign-key checks pending to the
    commit (the test's transaction), and PostgreSQL alters no table with pending trigger
    events (first_load.py would leave the file to the upsert)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE metrics_opportunity CASCADE")
    else:
        Opportunity.objects.all().delete()


def test_queries_grow_with_batches_not_rows():
    for i in range(7):
        AccountFactory(external_id=f"ACC{i}")

    one_batch = _queries_for(100, batch_size=100)
    five_batches = _queries_for(500, batch_size=100)

    # Each extra batch: at most one load into the staging table (PostgreSQL's COPY is not
    # counted); the accounts are resolved and the rows upserted once for the whole file.
    assert five_batches - one_batch <= 4
