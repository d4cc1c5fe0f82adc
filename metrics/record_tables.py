"""How a table of records is shown: a drill-down's or the data page's records as rows of cells
(localized, escaped, in one pass), and the columns each kind of record shows, with headings in
the reader's language (pages and CSVs)."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass
class RecordTable:
    name: str  # a drill-down's: one of TABLE_NAMES; also the CSV's `table=` value
    title: str
    columns: list[tuple[str, str]]  # (attribute, heading)
    queryset: QuerySet
    money_columns: frozenset = frozenset()
    kept: bool = False  # a listing kept for the run (kept_listing), not the records as they are

    def rows(self, objects) -> list[list]:
        cells = [self._getter(attr) for attr, _ in self.columns]
        return [[cell(obj) for cell in cells] for obj in objects]

    def _getter(self, attr: str):
        """A column's value of a row. `get_<field>_display` reads a label dict made once per
        call (Django's method rebuilds and translates every choice for each row: a third of
        a page's rows before)."""
        display = re.fullmatch(r"get_(\w+)_display", attr)
        if display:
            field = self.queryset.model._meta.get_field(display[1])
            labels = {value: str(label) for value, label in field.flatchoices}
            name = field.attname
            return lambda obj: labels.get(getattr(obj, name), getattr(obj, name))
        path = attr.split(".")
        return lambda obj: _cell(obj, path)

    def html_rows(self, objects) -> SafeString:
        """The page's `<tr>` rows, each cell shown as the template's `{{ cell }}` would show it
        (localized, escaped, None as empty): built here in one pass, since a template loop over
        fifty rows of eleven cells was half of a drill-down's time. One format_html a row (one
        a cell cost as much as the cells); dates and numbers are formatted once per language
        and process (`_shown`), text is escaped by format_html."""
        language = get_language()

        def cell(value):
            if value is None:
                return ""
            if type(value) is str:
                return value
            return _shown(language, value)

        row = "<tr>" + "<td>{}</td>" * len(self.columns) + "</tr>"
        return format_html_join(
            "", row, ([cell(v) for v in values] for values in self.rows(objects))
        )


# Dates and numbers as shown, by language and text (not value: Decimal("0") == Decimal("0.00")
# but they show differently). A month of close dates repeats on every page; bounded.
_SHOWN: dict = {}
_SHOWN_MOST = 20_000


def _shown(language: str, value) -> str:
    if isinstance(value, datetime):  # shown in the reader's time zone: not kept
        return conditional_escape(localize(template_localtime(value)))
    key = (language, type(value), str(value))
    found = _SHOWN.get(key)
    if found is None:
        if len(_SHOWN) >= _SHOWN_MOST:
            _SHOWN.clear()
        found = _SHOWN[key] = conditional_escape(localize(value))
    return found


def _cell(obj, path: list[str]):
    value = obj
    for part in path:
        value = getattr(value, part, None) if value is not None else None
    if callable(value):
        value = value()
    return value


# Headings shown on the records pages and in their CSVs, in the reader's language.
OPPORTUNITY_COLUMNS = [
    ("external_id", _("ID")),
    ("name", _("Name")),
    ("account.name", _("Account")),
    ("account.segment", _("Segment")),
    ("get_status_display", _("Status")),
    ("get_type_display", _("Type")),
    ("amount", _("Amount")),
    ("created_date", _("Created")),
    ("close_date", _("Closed")),
    ("source", _("Source")),
    ("owner", _("Owner")),
]
FORECAST_COLUMNS = [
    ("period_start", _("Period start")),
    ("period_end", _("Period end")),
    ("amount", _("Amount")),
    ("recorded_on", _("Recorded on")),
]
SPEND_COLUMNS = [
    ("month", _("Month")),
    ("channel", _("Channel")),
    ("get_category_display", _("Category")),
    ("amount", _("Amount")),
]
CUSTOMER_COLUMNS = [  # of a NewCustomer: its first won deal, with the account
    ("deal.account.external_id", _("ID")),
    ("deal.account.name", _("Account")),
    ("deal.account.segment", _("Segment")),
    ("deal.source", _("Channel")),
    ("deal.external_id", _("First won deal")),
    ("deal.close_date", _("Closed")),
    ("deal.amount", _("Amount")),
]
LEAD_COLUMNS = [
    ("external_id", _("ID")),
    ("created_date", _("Created")),
    ("source", _("Source")),
    ("owner", _("Owner")),
    ("status", _("Status")),
    ("qualified_date", _("Qualified")),
    ("converted_date", _("Converted")),
    ("account.name", _("Account")),
]
ACCOUNT_COLUMNS = [  # of an AccountMovement
    ("account.external_id", _("ID")),
    ("account.name", _("Account")),
    ("account.segment", _("Segment")),
    ("opening_mrr", _("Opening MRR")),
    ("closing_mrr", _("Closing MRR")),
    ("get_movement_display", _("Movement")),
    ("change", _("Change")),
]
