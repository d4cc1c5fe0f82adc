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

# A reported value (or column name) is cut to this length (the value says how long it was).
REPORT_VALUE_CHARS = 200
MAX_ERRORS_PER_COLUMN = 100
MAX_ERRORS_LISTED = 1000


def _cut(text: str) -> str:
    if len(text) > REPORT_VALUE_CHARS:
        text = text[:REPORT_VALUE_CHARS] + f"… ({len(text)} characters)"
    return text.replace("\x00", "\\0")


class ImportFileError(Exception):
    """The file as a whole cannot be imported: unreadable, empty, missing columns, a bad mapping."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    value: str
    reason: str

    @classmethod
    def make(cls, line: int, column: str, value: str, reason: str) -> RowError:
        return cls(line=line, column=_cut(column), value=_cut(value), reason=reason)

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        return f'line {self.line}, column {self.column}, value "{self.value}": {self.reason}'


def more_errors_note(column: str, count: int) -> str:
    return f"{count} more errors in column {column}, not listed"


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
        return [more_errors_note(column, n) for column, n in self.more_by_column.items()]

    def csv_rows(self) -> list[list]:
        """line, column, value, reason; the errors not listed are counted in rows without a line."""
        rows: list[list] = [[e.line, e.column, e.value, e.reason] for e in self.listed]
        for column, count in self.more_by_column.items():
            rows.append(["", column, "", more_errors_note(column, count)])
        return rows

    def as_json(self) -> list[dict]:
        """As an ImportJob stores it: the listed errors, then {"line": None, "more": n} per column."""
        entries = [error.as_dict() for error in self.listed]
        for column, count in self.more_by_column.items():
            note = more_errors_note(column, count)
            entries.append(
                {"line": None, "column": column, "value": "", "reason": note, "more": count}
            )
        return entries

    @classmethod
    def from_json(cls, entries: list[dict]) -> ErrorReport:
        listed = [
            RowError(e["line"], e["column"], e["value"], e["reason"])
            for e in entries
            if e["line"] is not None
        ]
        more = {e["column"]: e["more"] for e in entries if e["line"] is None}
        return cls(listed=listed, more_by_column=more)
