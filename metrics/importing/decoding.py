"""CSV bytes → a header and records with their line numbers.

UTF-8 with or without BOM (UTF-16 with BOM too); Windows-1252 when the bytes are not UTF-8. The
delimiter (comma, semicolon or tab) is sniffed from the header line. Quoted newlines are fine;
blank lines are skipped. A file that is not CSV at all (a workbook, a PDF, an image) is named,
and so is a header of more than MAX_COLUMNS columns or MAX_HEADER_CHARS characters.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from .errors import ImportFileError

# A header wider or longer than this is not a CRM export (the widest Salesforce objects have a
# few hundred fields); refused before any row is read, with a message of one line.
MAX_COLUMNS = 1000
MAX_HEADER_CHARS = 100_000


@dataclass
class Table:
    header: list[str]
    records: list[tuple[int, list[str]]]  # (line number where the record starts, cells)
    delimiter: str
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is neither UTF-8 nor Windows-1252 text. Save it as “CSV UTF-8” and try again."
        ) from None


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of comma, semicolon and tab outside quotes in the header; comma if none."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


def _check_header_size(header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            f"The header has {len(header)} columns; an import reads at most {MAX_COLUMNS}. "
            "Is this the right file, with one header row?"
        )
    if sum(len(name) for name in header) > MAX_HEADER_CHARS:
        raise ImportFileError(
            f"The header is longer than {MAX_HEADER_CHARS} characters. "
            "Is this the right file, with one header row?"
        )


def read_table(data: bytes) -> Table:
    if not data.strip():
        raise ImportFileError("The file is empty.")
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise ImportFileError(f"This is {what}, not CSV. Export the sheet as CSV first.")
    text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    first_line = re.split(r"\r\n|\r|\n", text.lstrip("\r\n"), maxsplit=1)[0]
    delimiter = sniff_delimiter(first_line)
    # Over-long cells are reported per row (rows.MAX_CELL_CHARS), so let the reader hand them over.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in cells]
                _check_header_size(header)
            else:
                records.append((start, cells))
    except csv.Error as exc:
        raise ImportFileError(
            f"Line {last_line + 1}: the file is not valid CSV ({exc}): "
            "an unclosed quote, or a quote inside a quoted cell that is not doubled?"
        ) from None
    if header is None:
        raise ImportFileError("The file is empty.")
    if any(ord(char) < 32 and char != "\t" for name in header for char in name):
        raise ImportFileError(
            "The header holds control characters: this looks like a binary file, not CSV. "
            "Export it as CSV."
        )
    if not records:
        raise ImportFileError("The file has a header but no data rows.")
    return Table(header=header, records=records, delimiter=delimiter, encoding=encoding)
