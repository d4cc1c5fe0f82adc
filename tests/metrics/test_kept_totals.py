"""The engine's kept totals (metrics/calculations/kept.py): filled on first use, left alone while
nothing they derive from is written, filled again after any write to one of their sources
(whoever writes it), and always the rows their SQL gives."""

import threading
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from metrics import incremental
from metrics.calculations import KEPT, batch, compute_many, kept, pipeline, recurring_kept
from metrics.cuts import Cut
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import KeptFirstWon, KeptStamp, Opportunity
from metrics.periods import Period

from .factories import OpportunityFactory, SpendFactory, make_book

pytestmark = pytest.mark.django_db

MONTH = Period.month(2017, 6)


def _fills(work) -> list[str]:
    """The kept tables emptied to be filled again while `work` ran."""
    with CaptureQueriesContext(connection) as captured:
        work()
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("DELETE FROM")]


def _raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _first_won_rows() -> list[tuple]:
    return sorted(batch.fetch(batch.first_won_select(), []))


def _kept_rows() -> list[tuple]:
    return sorted(KeptFirstWon.objects.values_list("account_id", "close_date", "channel"))


def test_filled_on_first_use_then_left_alone_until_a_source_is_written():
    make_book(20)
    assert not KeptStamp.objects.exists()
    assert _fills(lambda: kept.ensure(*KEPT)) != []
    assert _kept_rows() == _first_won_rows() and _kept_rows()

    with CaptureQueriesContext(connection) as captured:
        kept.ensure(*KEPT)
    assert len(captured) == 2  # the change markers, the stamps

    SpendFactory()  # not a source of the first won deals
    assert _fills(lambda: kept.ensure(kept.FIRST_WON)) == []


@pytest.mark.parametrize(
    "write",
    [
        # The ORM's save, a queryset update, a delete and raw SQL all move the counter.
        lambda: OpportunityFactory(status="won", close_date="2017-01-01", source="Events"),
        lambda: Opportunity.objects.filter(status="won").update(source="Partners"),
        lambda: Opportunity.objects.filter(status="won").delete(),
        lambda: _raw(
            "UPDATE metrics_opportunity SET close_date = created_date WHERE status = 'won'"
        ),
    ],
    ids=["save", "update", "delete", "raw SQL"],
)
def test_any_write_to_a_source_fills_it_again_with_the_new_rows(write):
    make_book(20)
    kept.ensure(kept.FIRST_WON)
    before = _kept_rows()
    write()
    assert _fills(lambda: kept.ensure(kept.FIRST_WON)) != []
    assert _kept_rows() == _first_won_rows() != before


def test_the_figures_follow_a_write_made_after_a_computation():
    make_book(20)
    cuts = [Cut(), Cut.channel("Partners")]
    before = compute_many([MONTH], cuts)[MONTH, Cut.channel("Partners")]["new_customers"].value
    assert before == 0
    Opportunity.objects.filter(status="won", close_date__month=6).update(source="Partners")
    after = compute_many([MONTH], cuts)[MONTH, Cut.channel("Partners")]["new_customers"].value
    assert after > 0


@pytest.mark.services
def test_the_engine_settings_of_a_fill_end_with_it():
    if connection.vendor != "postgresql":
        pytest.fail("The settings are PostgreSQL's (set DATABASE_URL).")
    make_book(5)
    (jit,) = batch.fetch("SELECT current_setting('jit')", [])[0]
    kept.ensure(kept.FIRST_WON)
    assert batch.fetch("SELECT current_setting('jit')", [])[0] == (jit,)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_second_filler_waits_for_the_first_and_finds_it_current():
    """Two computations at once never fill one table twice: the second waits on the stamp's
    row, then finds the counter it would stamp already there."""
    if connection.vendor != "postgresql":
        pytest.fail("Row locks are PostgreSQL's (set DATABASE_URL).")
    make_book(20)
    KeptStamp.objects.create(name=kept.FIRST_WON.table, version=-1)
    second: dict = {}

    def fill_meanwhile():
        try:
            second["fills"] = _fills(lambda: kept.ensure(kept.FIRST_WON))
        finally:
            connections.close_all()

    with transaction.atomic():
        KeptStamp.objects.select_for_update().get(name=kept.FIRST_WON.table)
        waiting = threading.Thread(target=fill_meanwhile)
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive()  # blocked on the stamp's row
        kept.ensure(kept.FIRST_WON)
    waiting.join(timeout=30)
    assert second["fills"] == []
    assert _kept_rows() == _first_won_rows()


# --- Kept current by an import ------------------------------------------------------------------


def _stored_and_fresh(k: kept.Kept) -> tuple[list, list]:
    """The table's rows, and those a whole fill gives (dates as ISO text: SQLite's window
    functions give text where the table gives dates)."""
    columns = ", ".join(k.columns)

    def rows(sql: str) -> list[tuple]:
        found = batch.fetch(sql, [])
        return sorted(tuple(str(v) if isinstance(v, date) else v for v in row) for row in found)

    return rows(f"SELECT {columns} FROM {k.table}"), rows(k.select())  # noqa: S608


IMPORTS = {
    "a deal won": (
        "opportunities",
        "external_id,account,name,status,created_date,close_date,amount,source\n"
        "B3-O0,B3,x,won,2017-01-02,2017-01-03,500,Webinar\n"
        "NEW-1,B5,x,won,2017-02-02,2017-03-03,700,Events\n",
    ),
    "a deal lost": (
        "opportunities",
        "external_id,account,name,status,created_date,close_date,amount\n"
        "B1-O1,B1,x,lost,2017-03-01,2017-12-01,10\n",
    ),
    "a subscription": (
        "subscriptions",
        "external_id,account,mrr,start_date,end_date\nB2-S9,B2,1234.5,2017-05-01,\n",
    ),
    "a lead": (
        "leads",
        "external_id,created_date,source,qualified_date,converted_date\n"
        "NEW-LEAD,2017-10-03,Events,2017-10-05,2017-11-20\n",
    ),
    "an account's segment": ("accounts", "external_id,name,segment\nB3,B3,Enterprise\n"),
    "a team": ("teams", "owner,team\nAna,West\n"),
}


@pytest.mark.parametrize("kind, csv", IMPORTS.values(), ids=IMPORTS.keys())
def test_an_import_keeps_the_kept_totals_current_by_the_keys_it_touched(kind, csv):
    make_book(12)
    kept.ensure(*KEPT)
    outcome = import_records(data=csv.encode(), options=ImportOptions(kind=kind))
    assert outcome.rows_written and not outcome.errors
    for k in KEPT:
        if k.key:  # filled again by its keys: current, the rows a whole fill gives
            assert _fills(lambda k=k: kept.ensure(k)) == [], k.table
        stored, fresh = _stored_and_fresh(k)
        assert stored == fresh, k.table


def test_an_import_fills_again_only_what_derives_from_the_tables_it_writes():
    make_book(12)
    kept.ensure(*KEPT)
    kind, csv = IMPORTS["a subscription"]  # an account that exists: no account written
    with CaptureQueriesContext(connection) as queries:
        import_records(data=csv.encode(), options=ImportOptions(kind=kind))
    written = " ".join(q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT"))
    assert f"INSERT INTO {pipeline.KEPT.table} " not in written  # opportunities and accounts
    assert f"INSERT INTO {recurring_kept.TIMELINE.table} " in written  # the subscriptions'
    for k in KEPT:
        assert _fills(lambda k=k: kept.ensure(k)) == [], k.table


def test_an_import_leaves_stale_what_was_stale_before_it():
    make_book(12)
    kept.ensure(*KEPT)
    Opportunity.objects.filter(status="won").update(source="Partners")  # not through an import
    kind, csv = IMPORTS["a deal won"]
    import_records(data=csv.encode(), options=ImportOptions(kind=kind))
    assert _fills(lambda: kept.ensure(kept.FIRST_WON)) != []
    stored, fresh = _stored_and_fresh(kept.FIRST_WON)
    assert stored == fresh and stored


def test_an_import_too_big_to_track_leaves_them_stale(monkeypatch):
    make_book(12)
    kept.ensure(*KEPT)
    monkeypatch.setattr(incremental, "MAX_TRACKED", 1)
    kind, csv = IMPORTS["a deal won"]  # two rows
    import_records(data=csv.encode(), options=ImportOptions(kind=kind))
    assert _fills(lambda: kept.ensure(kept.FIRST_WON)) != []
