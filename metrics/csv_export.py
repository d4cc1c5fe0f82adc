"""CSV downloads that a spreadsheet opens safely (no formula injection), of two kinds:

- canonical (`for_people=False`): the metric series (`/metrics/<key>.csv`) and an import's error
  report (whose reasons alone are in the reader's language). Machine-readable and the same
  layout in every language: English column keys, period codes, ISO dates, `1234.56`, commas.
- for people (`for_people=True`): the drill-down records and a data finding's records. Opened by a person in a spreadsheet set to their language, so numbers and dates
  are written as that language writes them (Latin digits, its decimal sign, no grouping, a
  four-digit year: pl `-1234,5` and `1.10.2026`), cells are separated by `;` where the decimal
  sign is a comma (what Excel and LibreOffice expect in pl, ro and ru), and the file starts with
  a byte-order mark so Excel reads Cyrillic and Persian as UTF-8. Headings are translated by
  whoever names the columns.
"""

import csv
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.translation import pgettext

from revops_portal.localization import conventions

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BYTE_ORDER_MARK = "\ufeff"


class _Echo:
    def write(self, value):
        return value


def safe_cell(value):
    """Numbers stay numeric; text a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def readable_cell(value, writes, yes_no=("yes", "no")):
    """A cell of a CSV for people: numbers and dates in the reader's way (a negative number
    stays a number: its minus is not a formula), yes/no in their language, text made safe."""
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, int | float | Decimal | date):
        return writes.spreadsheet_cell(value)
    return safe_cell(value)


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable], *, for_people: bool
) -> StreamingHttpResponse:
    if for_people:
        # Read the language now: the rows are written after the view has returned.
        writes = conventions()
        yes_no = (pgettext("CSV cell", "yes"), pgettext("CSV cell", "no"))
        writer = csv.writer(_Echo(), delimiter=writes.spreadsheet_delimiter)
        header = [safe_cell(str(heading)) for heading in header]
        lines = (
            writer.writerow([readable_cell(cell, writes, yes_no) for cell in row])
            for row in [header, *rows]
        )
        lines = _starting_with(_BYTE_ORDER_MARK, lines)
    else:
        writer = csv.writer(_Echo())
        lines = (writer.writerow([safe_cell(cell) for cell in row]) for row in [header, *rows])
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _starting_with(first: str, lines):
    yield first
    yield from lines
