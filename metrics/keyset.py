"""Keyset pages of a queryset: the rows after (or before) a given row in the queryset's order.

An OFFSET page makes the database sort and skip every earlier row, and a page count counts them
all; a keyset page starts at the cursor row's place in the order (on an index whose columns are
the order's, a range scan of one page), so the last page costs what the first does, whatever
the number of rows. The order is the queryset's own `order_by`, all ascending and ending with
a unique column (`pk`, or a unique field such as `external_id`), so every row has exactly one
place; its columns may be annotations (the condition then compares the annotations). Pages
name their cursor row by pk.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .params import BadRequest


@dataclass
class KeysetPage:
    objects: list
    next_after: int | None  # the last listed row's pk, when rows follow
    previous_before: int | None  # the first listed row's pk, when rows precede


def keyset_order(queryset: QuerySet) -> tuple[str, ...]:
    order = tuple(queryset.query.order_by)
    last = order[-1] if order else ""
    if not _is_unique(queryset.model._meta, last) or any(name.startswith("-") for name in order):
        raise ValueError(f"A keyset order is ascending and ends with a unique column, not {order}.")
    return order


def _is_unique(meta, name: str) -> bool:
    """The column is unique by itself: the key, unique=True or a one-column unique constraint."""
    field = next((f for f in meta.fields if f.name == name), None)
    return (
        name in ("pk", "id")
        or getattr(field, "unique", False)
        or any(c.fields == (name,) for c in meta.total_unique_constraints)
    )


def _beyond(order: tuple[str, ...], cursor: dict, *, after: bool) -> Q:
    """Rows after (or before) the cursor in `order`: (a, b, id) > (a0, b0, id0), written out,
    with the first column's >= repeated so that the index range starts at the cursor."""
    op = "gt" if after else "lt"
    *leading, last = order
    condition = Q(**{f"{last}__{op}": cursor[last]})
    for name in reversed(leading):
        condition = Q(**{f"{name}__{op}": cursor[name]}) | (Q(**{name: cursor[name]}) & condition)
    if leading:
        first = leading[0]
        condition &= Q(**{f"{first}__{op}e": cursor[first]})
    return condition


def keyset_page(
    queryset: QuerySet, *, after: int | None = None, before: int | None = None, size: int
) -> KeysetPage:
    """The `size` rows that follow row `after` (or precede row `before`; the first page when
    neither is given), in the queryset's order: two queries at most, whatever the rows."""
    order = keyset_order(queryset)
    cursor_pk = after if after is not None else before
    if cursor_pk is None:
        rows = list(queryset[: size + 1])
        return KeysetPage(rows[:size], rows[size - 1].pk if len(rows) > size else None, None)
    cursor = queryset.filter(pk=cursor_pk).values(*order).first()
    if cursor is None:
        raise BadRequest(_("That record is no longer listed here: start from the first page."))
    if after is not None:
        rows = list(queryset.filter(_beyond(order, cursor, after=True))[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return KeysetPage(rows, rows[-1].pk if more else None, rows[0].pk if rows else None)
    backwards = queryset.filter(_beyond(order, cursor, after=False)).order_by(
        *(f"-{name}" for name in order)
    )
    rows = list(backwards[: size + 1])
    more = len(rows) > size
    rows = rows[:size][::-1]
    return KeysetPage(rows, rows[-1].pk if rows else None, rows[0].pk if more else None)
