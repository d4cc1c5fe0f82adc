"""What an import reports: a file it cannot read at all, or bad cells of rows (capped).

A file of a million bad rows, or of 200,000 columns, must not give a report of megabytes:
every report (the command's output, the page, the error report CSV) lists the first
MAX_ERRORS_PER_COLUMN errors of each column and MAX_ERRORS_LISTED in all, then counts the rest
per column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import ngettext

from . import reasons
from .reasons import Reason

# A reported value (or column name) is cut to this length (the value says how long it was).
REPORT_VALUE_CHARS = 200
MAX_ERRORS_PER_COLUMN = 100
MAX_ERRORS_LISTED = 1000


def _cut(text: str) -> str:
    if len(text) > REPORT_VALUE_CHARS:
        text = text[:REPORT_VALUE_CHARS] + f"… ({len(text)} characters)"  # a value, not words
    return text.replace("\x00", "\\0")


class ImportFileError(Exception):
    """The file as a whole cannot be imported: unreadable, empty, missing columns, a bad mapping."""


@dataclass(frozen=True)
class RowError:
    """A bad cell. Its reason is a msgid with parameters (reasons.py): `reason` says it in the
    active language, `why.english` in English (the command's output, the stored JSON)."""

    line: int
    column: str
    value: str
    why: Reason

    def __post_init__(self):
        if isinstance(self.why, str):  # words of their own (a test's, an old stored report's)
            object.__setattr__(self, "why", reasons.verbatim(self.why))

    @classmethod
    def make(cls, line: int, column: str, value: str, why: Reason | str) -> RowError:
        return cls(line=line, column=_cut(column), value=_cut(value), why=why)

    @property
    def reason(self) -> str:
        return str(self.why)

    def as_dict(self) -> dict:
        """As stored: the English reason, and its msgid and parameters to translate it when shown."""
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.why.english,
            "why": self.why.as_json(),
        }

    @classmethod
    def from_dict(cls, entry: dict) -> RowError:
        why = Reason.from_json(entry["why"]) if "why" in entry else entry["reason"]
        return cls(entry["line"], entry["column"], entry["value"], why)

    def __str__(self) -> str:
        return f'line {self.line}, column {self.column}, value "{self.value}": {self.why.english}'


def duplicate_of(first_line: int) -> Reason:
    return reasons.gettext(
        "duplicate of line %(line)s (the same record twice in one file)", line=first_line
    )


def more_errors_note(column: str, count: int) -> str:
    """In the active language (the command's output is English: no language is active there)."""
    return ngettext(
        "%(count)s more error in column %(column)s, not listed",
        "%(count)s more errors in column %(column)s, not listed",
        count,
    ) % {"count": count, "column": column}


@dataclass(frozen=True)
class ErrorReport:
    """Row errors as reported: the first ones per column and in all, and how many more."""

    listed: list[RowError]
    more_by_column: dict[str, int] = field(default_factory=dict)  # column → errors not listed

    @classmethod
    def of(
        cls,
        errors: Iterable[RowError],
        *,
        per_column: int = MAX_ERRORS_PER_COLUMN,
        in_all: int = MAX_ERRORS_LISTED,
    ) -> ErrorReport:
        listed: list[RowError] = []
        per: Counter[str] = Counter()
        more: Counter[str] = Counter()
        for error in errors:
            if per[error.column] >= per_column or len(listed) >= in_all:
                more[error.column] += 1
            else:
                per[error.column] += 1
                listed.append(error)
        return cls(listed=listed, more_by_column=dict(more))

    @property
    def total(self) -> int:
        return len(self.listed) + sum(self.more_by_column.values())

    def notes(self) -> list[str]:
        """The errors not listed, counted per column, in the active language."""
        return [more_errors_note(column, n) for column, n in self.more_by_column.items()]

    def csv_rows(self) -> list[list]:
        """line, column, value, reason; the errors not listed are counted in rows without a line.
        The reasons are in the active language (the reader's: a download of the error report)."""
        rows: list[list] = [[e.line, e.column, e.value, e.reason] for e in self.listed]
        for column, count in self.more_by_column.items():
            rows.append(["", column, "", more_errors_note(column, count)])
        return rows

    def as_json(self) -> list[dict]:
        """As an ImportJob stores it: the listed errors, then {"line": None, "more": n} per column."""
        entries = [error.as_dict() for error in self.listed]
        for column, count in self.more_by_column.items():
            with translation.override("en"):
                note = more_errors_note(column, count)
            entries.append(
                {"line": None, "column": column, "value": "", "reason": note, "more": count}
            )
        return entries

    @classmethod
    def from_json(cls, entries: list[dict]) -> ErrorReport:
        listed = [RowError.from_dict(e) for e in entries if e["line"] is not None]
        more = {e["column"]: e["more"] for e in entries if e["line"] is None}
        return cls(listed=listed, more_by_column=more)
