"""What an import reports: a file it cannot read at all, or one bad cell of one row."""

from __future__ import annotations

from dataclasses import dataclass

# A reported value is cut to this length (the reason says how long it was).
REPORT_VALUE_CHARS = 200


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
        if len(value) > REPORT_VALUE_CHARS:
            value = value[:REPORT_VALUE_CHARS] + f"… ({len(value)} characters)"
        return cls(line=line, column=column, value=value.replace("\x00", "\\0"), reason=reason)

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        return f'line {self.line}, column {self.column}, value "{self.value}": {self.reason}'
