"""Imports of files larger than a chunk (metrics/importing/staging.py): streamed, validated chunk
by chunk, staged and upserted in one transaction; all or nothing across chunks. Run on SQLite
and on PostgreSQL (its COPY path)."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from metrics.importing import staging
from metrics.importing.errors import RowError
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.importing.staging import COPY_CHUNKS
from metrics.models import Account, Opportunity
from tests.metrics.factories import AccountFactory

pytestmark = pytest.mark.django_db

HEADER = "external_id,account,status,created_date,close_date,amount\n"
CHUNK = 100


def _row(i: int) -> str:
    return f"O{i},ACC{i % 3},won,2024-01-0{1 + i % 9},2024-02-01,{i}.50\n"


def _file(count: int, **replaced: str) -> bytes:
    """`count` good rows (line = i + 2), with rows replaced by line: {"l250": "..."}."""
    rows = [replaced.get(f"l{i + 2}", _row(i)) for i in range(count)]
    return (HEADER + "".join(rows)).encode()


@pytest.fixture
def accounts():
    return [AccountFactory(external_id=f"ACC{i}") for i in range(3)]


def _import(data: bytes, **options) -> object:
    return import_records(
        data=data, options=ImportOptions(kind="opportunities", **options), batch_size=CHUNK
    )


def test_a_bad_row_in_a_late_chunk_rejects_the_whole_file_and_names_its_line(accounts):
    outcome = _import(_file(350, l340="O338,ACC1,won,2024-01-01,someday,5\n"))

    assert outcome.rows_written == 0
    assert not Opportunity.objects.exists()
    assert (outcome.rows_total, outcome.rows_valid) == (350, 349)
    [error] = outcome.errors
    assert (error.line, error.column, error.value) == (340, "close_date", "someday")
    assert error.reason.startswith("is not a date")


def test_skipping_invalid_rows_writes_every_other_chunk(accounts):
    outcome = _import(_file(350, l340="O338,ACC1,won,2024-01-01,someday,5\n"), skip_invalid=True)

    assert outcome.rows_written == 349
    assert Opportunity.objects.count() == 349
    assert not Opportunity.objects.filter(external_id="O338").exists()
    assert Opportunity.objects.get(external_id="O349").account == accounts[349 % 3]


def test_a_record_repeated_in_a_later_chunk_is_a_duplicate_of_its_first_line(accounts):
    outcome = _import(_file(300, l250=_row(3)))

    assert outcome.errors == [
        RowError(
            250, "external_id", "O3", "duplicate of line 5 (the same record twice in one file)"
        )
    ]
    assert not Opportunity.objects.exists()


def test_unknown_accounts_are_reported_on_each_line_of_any_chunk(accounts):
    outcome = _import(
        _file(250, l3="O1,NOPE,won,2024-01-01,2024-02-01,1\n", l240="O238,NOPE,won,2024-01-01,,1\n")
    )

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [
        (3, "account", "NOPE"),
        (240, "close_date", ""),  # found invalid before its account was looked up
    ]
    assert outcome.errors[0].reason.startswith("no account has this external_id or name")


def test_created_accounts_are_found_by_every_chunk(accounts):
    data = _file(250, l3="O1,New Co,won,2024-01-01,2024-02-01,1\n")
    data += b"O999,New Co,open,2024-01-01,,1\n"

    outcome = _import(data, create_accounts=True)

    assert (outcome.rows_written, outcome.accounts_created) == (251, 1)
    new = Account.objects.get(external_id="New Co")
    assert set(new.opportunities.values_list("external_id", flat=True)) == {"O1", "O999"}


def test_a_reimport_rewrites_only_the_records_it_changes(accounts):
    _import(_file(250))
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Opportunity.objects.update(updated_at=an_hour_ago)

    outcome = _import(_file(250, l200="O198,ACC2,lost,2024-01-01,2024-03-01,7\n"))

    assert outcome.rows_written == 250
    changed = Opportunity.objects.filter(updated_at__gt=an_hour_ago)
    assert list(changed.values_list("external_id", "status")) == [("O198", "lost")]
    assert Opportunity.objects.count() == 250


class _GeneratedFile(io.RawIOBase):
    """A file whose lines a generator makes as they are read; counts the lines made."""

    def __init__(self, count: int):
        self.made = 0
        self._lines = self._generate(count)
        self._pending = b""

    def _generate(self, count: int):
        yield HEADER.encode()
        for i in range(count):
            self.made += 1
            yield _row(i).encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._lines, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


def test_the_rows_are_validated_and_staged_as_the_file_is_read_never_held_whole(accounts):
    opened: list[_GeneratedFile] = []
    made_when_a_chunk_was_done: list[int] = []

    def source():
        opened.append(_GeneratedFile(2_000))
        return io.BufferedReader(opened[-1])

    # The path that reads rows in Python (every file on SQLite; on PostgreSQL, a file the COPY
    # path does not take: raw_copy.py, whose streaming test_import_raw_copy.py shows).
    file = staging.scan_file(source, ImportOptions(kind="opportunities"))
    staged = staging.stage(
        file,
        chunk_rows=CHUNK,
        on_rows=lambda done, total: made_when_a_chunk_was_done.append(opened[-1].made),
    )
    staged.drop()

    assert (staged.rows_valid, staged.errors) == (2_000, [])
    # Read twice (the first pass decides the date orders), each time to the end, streamed: the
    # first rows were in the database before the second pass had read the file.
    assert [reader.made for reader in opened[-2:]] == [2_000, 2_000]
    # At most one statement's rows (a chunk on SQLite, COPY_CHUNKS chunks on PostgreSQL) and a
    # read-ahead of 8 KiB (about a hundred lines).
    assert made_when_a_chunk_was_done[0] <= COPY_CHUNKS * CHUNK + 200 < 2_000


# --- The model's field rules, checked without model instances (rows.FieldRules) -------------


def test_a_text_longer_than_its_field_gets_the_models_own_message(accounts):
    long_name = "x" * 300
    data = (
        "external_id,account,name,status,created_date\n"
        f"O1,ACC1,{long_name},open,2024-01-01\n"
        "O2,ACC1,short,open,2024-01-01\n"
    ).encode()
    outcome = _import(data)

    assert [(e.line, e.column, e.reason) for e in outcome.errors] == [
        (2, "name", "Ensure this value has at most 255 characters (it has 300).")
    ]


class _Columns:
    """A plan's column names, as FieldRules reports them (each field read from its own name)."""

    def column_name(self, fieldname: str) -> str:
        return fieldname


def test_a_field_with_validators_of_its_own_is_cleaned_by_its_model_field():
    from django.contrib.auth.models import User

    from metrics.importing.rows import FieldRules
    from metrics.importing.schema import RecordKind

    people = RecordKind(
        name="people", model=User, fields=("username", "email"), required=(), key=("username",)
    )
    rules = FieldRules(people)

    [error] = rules.errors(_Columns(), 7, {"username": "ann", "email": "not an address"})
    assert (error.line, error.column, error.reason) == (7, "email", "Enter a valid email address.")
    assert rules.errors(_Columns(), 8, {"username": "bob", "email": ""}) == []  # blank allowed
