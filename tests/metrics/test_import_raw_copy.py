"""PostgreSQL's COPY path for clean files (metrics/importing/raw_copy.py) against the Python path
(staging.py) on the same files: where the COPY path takes a file, it stages exactly the rows the
Python path stages; where the Python path finds any error, the COPY path leaves the file to it
(the error report is then the Python path's own). Every rule the COPY path checks in SQL is
exercised here on both sides: the cell readers (dates in both orders, amounts, choices), the
field rules (lengths, required, choices), duplicates and account references, and the files it
must not read (quoting, encodings, delimiters, blank lines)."""

from decimal import Decimal

import pytest
from django.db import connection

from metrics.importing import raw_copy, staging
from metrics.importing.decoding import bytes_source
from metrics.importing.errors import ImportFileError
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import Opportunity
from tests.metrics.factories import AccountFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]

HEADER = "external_id,account,name,owner,amount,stage,status,created_date,close_date,source,type"


@pytest.fixture(autouse=True)
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("The COPY path is PostgreSQL's (set DATABASE_URL).")
    AccountFactory(external_id="ACC1", name="Acme")
    AccountFactory(external_id="ACC2", name="Globex")


def _staged_rows() -> list[tuple]:
    """The staging table's rows without their line (which the two paths number alike only
    when the file has no quoted line breaks), in key order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {staging.STAGING} ORDER BY external_id")  # noqa: S608
        return [row[1:] for row in cursor.fetchall()]


def _python_path(data: bytes, options: ImportOptions):
    staged = staging.stage(staging.scan_file(bytes_source(data), options))
    outcome = (_staged_rows(), staged.sorted_errors(), staged.accounts_to_create, staged.rows_total)
    staged.drop()
    return outcome


def _copy_path(data: bytes, options: ImportOptions):
    staged = raw_copy.stage(bytes_source(data), options)
    if staged is None:
        return None
    outcome = (_staged_rows(), staged.errors, staged.accounts_to_create, staged.rows_total)
    staged.drop()
    return outcome


def _both(text: str | bytes, kind="opportunities", **options):
    """→ (the COPY path's outcome or None, the Python path's), checking that they agree."""
    data = text.encode() if isinstance(text, str) else text
    chosen = ImportOptions(kind=kind, **options)
    copied = _copy_path(data, chosen)
    try:
        python = _python_path(data, chosen)
    except ImportFileError as exc:  # a file it cannot read at all: said as a file error
        assert copied is None, "the COPY path took a file the Python path cannot read"
        return copied, exc
    if python[1]:
        assert copied is None, "the COPY path took a file the Python path finds errors in"
    elif copied is not None:
        assert copied == python
    return copied, python


def _rows(*lines: str) -> str:
    return HEADER + "\n" + "".join(line + "\n" for line in lines)


def _row(external_id="O1", *, amount="10", status="won", created="2024-01-02", close="2024-02-03",
         account="ACC1", name="Deal", owner="Ann", stage="", source="", type_=""):  # fmt: skip
    return ",".join(
        [external_id, account, name, owner, amount, stage, status, created, close, source, type_]
    )


def _taken(text, **options):
    copied, python = _both(text, **options)
    assert copied is not None, "the COPY path left a clean file to the Python path"
    return python[0]


def _left(text, **options):
    copied, python = _both(text, **options)
    assert copied is None
    return python


# --- Files it takes: the same rows as the Python path --------------------------------------


def test_a_clean_file_is_staged_as_the_python_path_stages_it():
    rows = _taken(
        _rows(
            _row("O1"),
            _row("O2", amount="", status="open", close="", type_="Upsell", stage="Proposal"),
            _row("O3", amount="1234.5", status=" LOST ", account="Globex", owner=" Bo  Li "),
            _row("O4", amount="0007.25", status="Won", account="", type_="New Business"),
        )
    )
    assert [(row[0], row[3], row[5]) for row in rows] == [
        ("O1", Decimal("10.00"), "won"),
        ("O2", None, "open"),
        ("O3", Decimal("1234.50"), "lost"),
        ("O4", Decimal("7.25"), "won"),
    ]


def test_quoted_cells_bom_and_crlf_are_read_alike():
    text = (
        "\ufeff" + HEADER + "\r\n"
        + _row("O1", name='"Deal, with ""quotes"""') + "\r\n"
        + _row("O2", name='"two\r\nlines"', owner='""') + "\r\n"
    )  # fmt: skip
    rows = _taken(text.encode())
    assert [row[1:3] for row in rows] == [('Deal, with "quotes"', "Ann"), ("two\r\nlines", "")]


@pytest.mark.parametrize(
    "name",
    [
        " Deal",
        "Deal\t",
        '" Deal, quoted"',
        '"\nDeal"',
        '"Deal\r\n"',
        "Deal\x1f",
        "\u00a0Deal",  # not ASCII: every row is looked at
        "De\u2003al",  # a space inside: not stripped
    ],
)
def test_a_cell_starting_or_ending_with_a_space_is_stripped_alike(name):
    rows = _taken(_rows(_row("O1"), _row("O2", name=name)))
    assert rows[1][1] == name.strip('"').strip()


@pytest.mark.parametrize(
    ("lines", "padded"),
    [
        (b"a,b\nc,d\n", False),
        (b'"a","b"\r\n"c",""\r\n', False),
        (b"a, b\n", True),
        (b"a,b \r\n", True),
        (b" a,b\n", True),
        (b'a,"b "\n', True),
        (b'a,"\nb"\n', True),
        (b'a,"b\r\n",c\n', True),
        (b"a,b\rc\n", True),
        (b'"Acme, Inc",b\n', True),  # a space after a comma inside quotes: looked at, kept
        (b"a,\xc3\xa9\n", True),  # not ASCII
    ],
)
def test_which_files_have_their_rows_looked_at_for_spaces(lines, padded):
    assert raw_copy._padded(lines) is padded


def test_an_export_quoting_every_cell_after_a_bom_is_read_alike():
    def quoted(line: str) -> str:
        return ",".join(f'"{cell}"' for cell in line.split(","))

    text = "\ufeff" + "\r\n".join(quoted(line) for line in (HEADER, _row("O1"), _row("O2")))
    rows = _taken(text.encode() + b"\r\n")
    assert [row[0] for row in rows] == ["O1", "O2"]


@pytest.mark.parametrize(
    ("cells", "order", "read"),
    [
        (["2024-01-22", " 2024-02-29 "], None, ["2024-01-22", "2024-02-29"]),
        (["01/02/24", "13/02/24"], "DMY", ["2024-02-01", "2024-02-13"]),
        (["01/02/2024", "02/13/2024"], "MDY", ["2024-01-02", "2024-02-13"]),
        (["1/2/24", "3/4/70"], "MDY", ["2024-01-02", "1970-03-04"]),  # the generic convention
        (["01.02.24", "03.04.24"], "DMY", ["2024-02-01", "2024-04-03"]),  # dotted: day first
        (["1-2-2024", "2024-03-04"], "MDY", ["2024-01-02", "2024-03-04"]),
        (["\u00a02024-01-22\u2003", "2024-01-23"], None, ["2024-01-22", "2024-01-23"]),
    ],
)
def test_dates_in_each_form_it_reads_are_the_python_paths_days(cells, order, read):
    rows = _taken(_rows(*(_row(f"O{i}", created=cell) for i, cell in enumerate(cells))))
    assert [row[6].isoformat() for row in rows] == read


def test_an_ambiguous_column_follows_the_order_the_person_chose():
    rows = _taken(_rows(_row("O1", created="01/02/24")), date_order="DMY")
    assert rows[0][6].isoformat() == "2024-02-01"


def test_a_stage_map_and_the_salesforce_flags_give_the_python_paths_statuses():
    stage_file = _rows(
        _row("O1", status="", stage="Closed Won"), _row("O2", status="", stage="Demo", close="")
    ).replace(",status,", ",state,")
    rows = _taken(stage_file, status_map={"closed won": "won", "*": "open"})
    assert [row[5] for row in rows] == ["won", "open"]

    flags = "external_id,account,is_closed,is_won,created_date,close_date\n"
    flags += "O1,ACC1,true,YES,2024-01-01,2024-01-05\nO2,ACC1,1,0,2024-01-01,2024-01-05\n"
    flags += "O3,ACC1,,,2024-01-01,\n"
    rows = _taken(flags)
    assert [row[5] for row in rows] == ["won", "lost", "open"]


def test_accounts_named_by_name_and_accounts_to_create_are_the_python_paths():
    rows = _taken(_rows(_row("O1", account="Acme"), _row("O2", account="NEW1")),
                  create_accounts=True)  # fmt: skip
    assert [row[-1] for row in rows] == ["Acme", "NEW1"]
    copied, python = _both(_rows(_row("O1", account="NEW1")), create_accounts=True)
    assert copied[2] == python[2] == ["NEW1"]


# --- Rows in error: left to the Python path, which reports them -----------------------------


@pytest.mark.parametrize(
    "row",
    [
        _row(created="2024-02-30"),
        _row(created="2024-13-01"),
        _row(created="0000-01-01"),
        _row(created="1969-12-31"),  # before METRICS_EARLIEST_DATE
        _row(created="2199-01-01"),  # too far ahead
        _row(created=""),  # required
        _row(close="31/02/2024"),
        _row(close=""),  # won without a close date
        _row(amount="12.345"),
        _row(amount="-5"),
        _row(amount="99999999999999999"),  # 17 digits before the point
        _row(status="closed"),
        _row(status=""),
        _row(status="w\u043en"),  # a Cyrillic o
        _row(type_="bogus"),
        _row(external_id=""),
        _row(name="x" * 256),
        _row(owner="y" * 10_001),
        _row(stage="s" * 101),
        _row(account="NOPE"),
    ],
)
def test_a_row_the_python_path_refuses_sends_the_file_to_it(row):
    _copy, python = _both(_rows(_row("O0"), row))
    assert python[1], "the Python path accepts this row: the case tests nothing"


def test_a_row_at_the_upper_bounds_is_taken():
    _taken(_rows(_row(name="x" * 255, amount="9999999999999999.99", stage="s" * 100)))


def test_a_file_with_a_duplicate_or_a_mixed_date_column_goes_to_the_python_path():
    assert _left(_rows(_row("O1"), _row("O1")))[1]
    assert _left(_rows(_row("O1", created="13/01/24"), _row("O2", created="01/13/24")))[1]


# --- Forms it does not read: the Python path reads them (or reports them) -----------------


@pytest.mark.parametrize(
    "cell",
    [
        "2024-01-22T10:00:00Z",
        '"Jan 22, 2024"',
        "2024/01/22",
        "2024-1-2",
        "\u0662\u0660\u0662\u0664-01-22",
    ],
)
def test_other_date_forms_are_read_by_the_python_path(cell):
    python = _left(_rows(_row(created=cell)))
    assert not python[1]


@pytest.mark.parametrize("amount", ["$1,234.50", "1,234", "\u0663", "1 234"])
def test_other_amount_forms_are_read_by_the_python_path(amount):
    _left(_rows(_row(amount=amount)))


@pytest.mark.parametrize(
    "data",
    [
        # a quote inside an unquoted cell, and text after a closing quote: read otherwise by
        # PostgreSQL's CSV reader than by Python's
        (HEADER + "\n" + _row(name='ab"c') + "\n").encode(),
        (HEADER + "\n" + _row(name='"ab"c') + "\n").encode(),
        (HEADER + "\n" + _row(name=' "ab"') + "\n").encode(),
        ('"external_id"x,' + HEADER + "\n" + _row() + ",\n").encode(),  # in the header too
        # a line PostgreSQL reads as the end of the data
        (HEADER + "\n" + _row("O1") + "\n\\.\n" + _row("O2") + "\n").encode(),
        (HEADER.replace(",", ";") + "\n" + _row().replace(",", ";") + "\n").encode(),
        (HEADER + "\n" + _row(name="Caf\u00e9") + "\n").encode("cp1252"),
        (HEADER + "\n" + _row(name="Caf\u00e9") + "\n").encode("utf-16"),
        (HEADER + "\n" + _row("O1") + "\n\n" + _row("O2") + "\n").encode(),
        (HEADER + "\n" + _row("O1") + ",,\n").encode(),  # empty cells past the header's
        (HEADER + "\n" + _row("O1") + "\n" + ",,,,,,,,,," + "\n").encode(),
    ],
)
def test_files_it_does_not_read_as_python_does_go_to_the_python_path(data):
    _left(data)


def test_a_header_missing_a_column_is_the_python_paths_file_error():
    with pytest.raises(ImportFileError, match="Missing required column"):
        import_records(data=b"external_id,account\nO1,ACC1\n",
                       options=ImportOptions(kind="opportunities"))  # fmt: skip


# --- Through import_records: all or nothing, idempotent -------------------------------------


def test_an_import_by_copy_writes_every_row_and_again_changes_nothing():
    data = _rows(*(_row(f"O{i}", amount=str(i)) for i in range(50))).encode()
    first = import_records(data=data, options=ImportOptions(kind="opportunities"))
    stored = list(Opportunity.objects.order_by("external_id").values())
    again = import_records(data=data, options=ImportOptions(kind="opportunities"))

    assert (first.rows_written, first.errors, again.rows_written) == (50, [], 50)
    assert list(Opportunity.objects.order_by("external_id").values()) == stored


def test_an_invalid_row_writes_nothing_and_is_reported_with_its_line():
    data = _rows(*(_row(f"O{i}") for i in range(20)), _row("O20", created="2024-02-30"))
    outcome = import_records(data=data.encode(), options=ImportOptions(kind="opportunities"))

    assert outcome.rows_written == 0
    assert not Opportunity.objects.exists()
    [error] = outcome.errors
    assert (error.line, error.column, error.value) == (22, "created_date", "2024-02-30")


# --- Subscriptions and leads ------------------------------------------------------------------

SUBSCRIPTIONS = "external_id,account,plan,mrr,start_date,end_date\n"
LEADS = "external_id,created_date,email,source,owner,status,qualified_date,converted_date,account\n"


def test_subscriptions_are_staged_as_the_python_path_stages_them():
    copied, python = _both(
        SUBSCRIPTIONS
        + "S1,ACC1,Pro,100,2024-01-01,\nS2,Globex, Team ,99.5,01/02/2024,03/04/2024\n",
        kind="subscriptions",
    )
    assert copied is not None
    assert [(row[0], row[1], row[2]) for row in python[0]] == [
        ("S1", "Pro", Decimal("100.00")),
        ("S2", "Team", Decimal("99.50")),
    ]


@pytest.mark.parametrize(
    "row",
    [
        "S9,,Pro,100,2024-01-01,",  # an account is required
        "S9,ACC1,Pro,,2024-01-01,",  # so is the MRR
        "S9,ACC1,Pro,100,,",  # and the start
        "S9,ACC1,Pro,100,2024-03-01,2024-02-01",  # ends before it starts
        "S9,ACC1,Pro,1.234,2024-03-01,",
    ],
)
def test_a_subscription_the_python_path_refuses_sends_the_file_to_it(row):
    _copy, python = _both(SUBSCRIPTIONS + "S1,ACC1,Pro,100,2024-01-01,\n" + row + "\n",
                          kind="subscriptions")  # fmt: skip
    assert python[1]


def test_leads_are_staged_and_qualified_as_the_python_path_does():
    text = LEADS + (
        "L1,2024-01-01,a@x.com,Ads,Ann,MQL,,2024-02-01,ACC1\n"
        "L2,2024-01-02,,Ads,Ann,mql,,,\n"
        "L3,2024-01-03,,Ads,Ann,New,,,\n"
        "L4,2024-01-04,,Ads,Ann,MQL,2024-01-10,,\n"
    )
    copied, python = _both(text, kind="leads", status_map={"mql": "qualified"})
    assert copied is not None
    qualified = [(row[0], row[6] and row[6].isoformat()) for row in python[0]]
    assert qualified == [
        ("L1", "2024-02-01"),
        ("L2", "2024-01-02"),
        ("L3", None),
        ("L4", "2024-01-10"),
    ]


@pytest.mark.parametrize(
    "row",
    [
        "L9,,,Ads,Ann,New,,,",  # a creation date is required
        "L9,2024-02-01,,Ads,Ann,New,2024-01-01,,",  # qualified before it was created
        "L9,2024-02-01,,Ads,Ann,New,,2024-01-01,",  # converted before it was created
        "L9,2024-02-01,,Ads,Ann,New,,,NOPE",  # an unknown account
    ],
)
def test_a_lead_the_python_path_refuses_sends_the_file_to_it(row):
    _copy, python = _both(LEADS + "L1,2024-01-01,,Ads,Ann,New,,,\n" + row + "\n", kind="leads")
    assert python[1]


def test_a_lead_status_not_in_ascii_is_qualified_by_the_python_path():
    _left(LEADS + "L1,2024-01-01,,Ads,Ann,Qualifi\u00e9,,,\n", kind="leads",
          status_map={"qualifi\u00e9": "qualified"})  # fmt: skip
