"""PostgreSQL's first import into an empty table (metrics/importing/first_load.py) against the
staged path (raw_copy.stage, then the upsert) on the same files: the same stored rows, the
table's indexes and constraints as they were, every file it must not take left to the staged
path with nothing written, and two first imports at once ending as the two one after the other.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from metrics.importing import first_load, raw_copy
from metrics.importing.decoding import bytes_source
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import Opportunity
from tests.metrics.conftest import celery_pointed_at
from tests.metrics.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.services

HEADER = "external_id,account,name,owner,amount,stage,status,created_date,close_date,source,type\n"
SUBSCRIPTIONS = "external_id,account,plan,mrr,start_date,end_date\n"
LEADS = "external_id,created_date,email,source,owner,status,qualified_date,converted_date,account\n"
BROKER_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: runs stay queued


@pytest.fixture
def accounts(db):
    if connection.vendor != "postgresql":
        pytest.fail("The first load is PostgreSQL's (set DATABASE_URL).")
    AccountFactory(external_id="ACC1", name="Acme")
    AccountFactory(external_id="ACC2", name="Globex")


def _stored(model) -> list[dict]:
    """Every stored record but its id and the time it was written, in key order."""
    return [
        {name: value for name, value in row.items() if name not in ("id", "updated_at")}
        for row in model.objects.order_by("external_id").values()
    ]


def _schema(table: str) -> list[tuple]:
    """The table's indexes and constraints, and the foreign keys pointing to it (the new
    customers' listings'), as the catalog defines them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE %s::regclass IN (conrelid, confrelid) ORDER BY 1, 2",
            [table, table],
        )
        return cursor.fetchall()


def _empty(model) -> None:
    # TRUNCATE, not DELETE: deleted rows' foreign-key checks would stay pending to the test's
    # commit, and PostgreSQL alters no table with pending trigger events.
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")  # noqa: S608


def _first_load(text: str, options: ImportOptions) -> int | None:
    return first_load.load(bytes_source(text.encode()), options, note=lambda rows: None)


def _both_ways(text: str, kind="opportunities", **options) -> list[dict]:
    """Load the file into the empty table (asserting that this path takes it), then the staged
    path's way into the emptied table: → the stored rows, asserted equal."""
    chosen = ImportOptions(kind=kind, **options)
    model = chosen.record_kind.model
    schema = _schema(model._meta.db_table)
    assert _first_load(text, chosen) == text.count("\n") - 1
    loaded = _stored(model)
    assert _schema(model._meta.db_table) == schema
    _empty(model)
    staged = raw_copy.stage(bytes_source(text.encode()), chosen)
    staged.write()
    staged.drop()
    assert _stored(model) == loaded
    return loaded


def test_a_clean_file_is_stored_as_the_staged_path_stores_it(accounts):
    rows = _both_ways(
        HEADER
        + "O1,ACC1,Deal 1,Ann,1200.5,Closed Won,won,2024-01-02,2024-02-03,Ads,expansion\n"
        + 'O2,ACC2,"Deal, two", Bob ,,Demo,open,2024-01-05,,Partner,\n'
        + "O3,,Deal 3,Ann,0.99,Closed Lost,LOST,2024-03-01,2024-03-09,,Renewal\n"
    )
    assert [(row["external_id"], row["amount"], row["status"], row["type"]) for row in rows] == [
        ("O1", Decimal("1200.50"), "won", "expansion"),
        ("O2", None, "open", "new_business"),
        ("O3", Decimal("0.99"), "lost", "renewal"),
    ]
    assert rows[1]["owner"] == "Bob" and rows[2]["account_id"] is None


def test_the_primary_key_and_the_keys_pointing_to_it_are_built_again(accounts):
    definitions = [definition for _, definition in _schema("metrics_opportunity")]
    assert "PRIMARY KEY (id)" in definitions
    assert any("REFERENCES metrics_opportunity(id)" in d for d in definitions)  # new customers
    # _both_ways: the first load takes the file; the catalog's definitions are the same after.
    _both_ways(HEADER + "O1,ACC1,Deal 1,Ann,10,Won,won,2024-01-02,2024-02-03,Ads,\n")
    assert Opportunity.objects.filter(pk__gt=0).count() == 1


def test_day_first_dates_and_a_stage_map_are_stored_alike(accounts):
    rows = _both_ways(
        "external_id,account,stage,created_date,close_date\n"
        "O1,ACC1,Closed Won,31/01/2024,15/02/2024\nO2,ACC2,Demo,01/02/2024,\n",
        status_map={"closed won": "won", "*": "open"},
    )
    assert [(row["status"], row["created_date"].isoformat()) for row in rows] == [
        ("won", "2024-01-31"),
        ("open", "2024-02-01"),
    ]


def test_the_salesforce_flags_are_stored_alike(accounts):
    rows = _both_ways(
        "external_id,account,is_closed,is_won,created_date,close_date\n"
        "O1,ACC1,true,YES,2024-01-01,2024-01-05\nO2,ACC1,1,0,2024-01-01,2024-01-05\n"
        "O3,ACC1,,,2024-01-01,\n"
    )
    assert [row["status"] for row in rows] == ["won", "lost", "open"]


def test_a_file_without_an_account_column_is_stored_alike(accounts):
    rows = _both_ways("external_id,status,created_date,close_date\nO1,won,2024-01-02,2024-01-09\n")
    assert rows[0]["account_id"] is None


def test_subscriptions_and_leads_are_stored_alike(accounts):
    _both_ways(
        SUBSCRIPTIONS + "S1,ACC1,Pro,100,2024-01-01,\nS2,ACC2,Team,99.5,2024-02-01,2024-04-03\n",
        kind="subscriptions",
    )
    rows = _both_ways(
        LEADS
        + "L1,2024-01-01,a@x.com,Ads,Ann,MQL,,2024-02-01,ACC1\nL2,2024-01-02,,Ads,Ann,mql,,,\n",
        kind="leads",
        status_map={"mql": "qualified"},
    )
    assert [row["qualified_date"].isoformat() for row in rows] == ["2024-02-01", "2024-01-02"]


@pytest.mark.parametrize(
    "text",
    [
        HEADER + "O1,ACC1,,,10,,won,2024-01-02,2024-02-03,,\nO2,ACC1,,,10,,won,2024-02-30,,,\n",
        HEADER + "O1,ACC1,,,10,,won,2024-01-02,2024-02-03,,\nO1,ACC2,,,10,,open,2024-01-02,,,\n",
        HEADER + "O1,Acme,,,10,,won,2024-01-02,2024-02-03,,\n",  # an account by its name
        HEADER + "O1,NOPE,,,10,,won,2024-01-02,2024-02-03,,\n",
        "external_id;account;status;created_date;close_date\nO1;ACC1;won;2024-01-02;2024-02-03\n",
        # A day PostgreSQL reads (2005-06-01), the Python path does not: a row error.
        HEADER + "O1,ACC1,,,10,,won,2024-01-02,2024-02-03,,\nO2,ACC1,,,10,,open,June-01-05,,,\n",
        # A day the Python path reads (2024-01-05), not in ISO form: stored the staged way.
        HEADER + "O1,ACC1,,,10,,won,2024-1-05,2024-02-03,,\n",
    ],
    ids=[
        "invalid date",
        "duplicate",
        "account by name",
        "unknown account",
        "semicolons",
        "a day PostgreSQL reads, not ISO",
        "a day Python reads, not ISO",
    ],
)
def test_a_file_it_does_not_take_leaves_nothing_and_goes_the_staged_way(accounts, text):
    schema = _schema("metrics_opportunity")
    assert _first_load(text, ImportOptions(kind="opportunities")) is None
    assert not Opportunity.objects.exists()
    assert _schema("metrics_opportunity") == schema

    outcome = import_records(data=text.encode(), options=ImportOptions(kind="opportunities"))
    if outcome.rows_written:  # the Python path reads it; an account by its name is resolved
        stored = Opportunity.objects.get()
        assert stored.account.name == "Acme" and stored.created_date.isoformat() < "2024-02"
    else:
        assert outcome.errors and not Opportunity.objects.exists()


def test_amounts_in_any_form_the_sql_reads_are_stored_alike(accounts):
    # 0007.25 is not as PostgreSQL writes 7.25: the canonical reading leaves the row, the
    # reading of every form takes it (the same transaction).
    rows = _both_ways(
        HEADER
        + "O1,ACC1,,,0007.25,,won,2024-01-02,2024-02-03,,\n"
        + "O2,ACC1,,,12.30,,won,2024-01-02,2024-02-03,,\n"
        + "O3,ACC1,,,0,,won,2024-01-02,2024-02-03,,\n"
        + "O4,ACC1,,,9999999999999999.99,,won,2024-01-02,2024-02-03,,\n"
    )
    assert [row["amount"] for row in rows] == [
        Decimal("7.25"),
        Decimal("12.30"),
        Decimal("0"),
        Decimal("9999999999999999.99"),
    ]


@pytest.mark.parametrize(
    "amount",
    ["-5", "+5", "1e3", ".5", "5.", "NaN", "Infinity", "1.234", "10000000000000000", "1_000"],
)
def test_an_amount_the_sql_does_not_read_is_left_to_the_staged_way(accounts, amount):
    # PostgreSQL casts most of these to a number; none is a form the SQL reads (the regular
    # expression's): the Python path reads or reports them.
    text = HEADER + f"O1,ACC1,,,{amount},,won,2024-01-02,2024-02-03,,\n"
    assert _first_load(text, ImportOptions(kind="opportunities")) is None
    assert not Opportunity.objects.exists()


def test_a_table_with_records_is_left_to_the_upsert(accounts):
    OpportunityFactory(external_id="O9")
    text = HEADER + "O1,ACC1,,,10,,won,2024-01-02,2024-02-03,,\n"
    assert _first_load(text, ImportOptions(kind="opportunities")) is None
    assert Opportunity.objects.count() == 1


def test_a_dry_run_writes_nothing(accounts):
    text = HEADER + "O1,ACC1,,,10,,won,2024-01-02,2024-02-03,,\n"
    outcome = import_records(
        data=text.encode(), options=ImportOptions(kind="opportunities"), dry_run=True
    )
    assert (outcome.rows_valid, outcome.rows_written) == (1, 0)
    assert not Opportunity.objects.exists()


def _file(numbers: range, amount: int) -> bytes:
    lines = [f"O{n},ACC1,,,{amount},,won,2024-01-02,2024-02-03,,\n" for n in numbers]
    return (HEADER + "".join(lines)).encode()


@pytest.mark.django_db(transaction=True)
def test_two_first_imports_at_once_end_as_one_after_the_other():
    if connection.vendor != "postgresql":
        pytest.fail("The first load is PostgreSQL's (set DATABASE_URL).")
    AccountFactory(external_id="ACC1")
    AccountFactory(external_id="ACC2")
    schema = _schema("metrics_opportunity")
    files = [_file(range(0, 3000), 1), _file(range(2000, 5000), 2)]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def import_one(data):
        try:
            barrier.wait(timeout=30)
            outcomes.append(import_records(data=data, options=ImportOptions(kind="opportunities")))
        except Exception as exc:  # reported below, never swallowed
            errors.append(exc)
        finally:
            connections.close_all()

    with celery_pointed_at(BROKER_DOWN):
        threads = [threading.Thread(target=import_one, args=(data,)) for data in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert sorted((o.rows_written, len(o.errors)) for o in outcomes) == [(3000, 0), (3000, 0)]
    amounts = dict(Opportunity.objects.values_list("external_id", "amount"))
    assert len(amounts) == 5000
    assert {amounts[f"O{n}"] for n in range(0, 2000)} == {Decimal(1)}
    assert {amounts[f"O{n}"] for n in range(3000, 5000)} == {Decimal(2)}
    # The keys both files hold: all the first file's or all the second's, as one after the other.
    assert len({amounts[f"O{n}"] for n in range(2000, 3000)}) == 1
    assert _schema("metrics_opportunity") == schema
