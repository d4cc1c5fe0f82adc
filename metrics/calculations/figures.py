"""A metric's figure and the arithmetic every family shares: exact cents, canonical numbers,
ratios that are undefined (with a reason) over a zero denominator.

A reason is stored in English (the database, `metrics_report`'s JSON); each is a msgid, so
`shown_reason` gives it in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from ..catalog import cut_kind_name

# The reasons that quote another: a figure's own reason, a cut kind.
LTV_UNDEFINED = gettext_noop("LTV is undefined (%(reason)s)")
CAC_UNDEFINED = gettext_noop("CAC is undefined (%(reason)s)")
NOT_AVAILABLE = gettext_noop("not available for a %(cut)s cut")


def _pattern(msgid: str) -> re.Pattern:
    """The stored English text of `msgid`, its %(name)s parts captured."""
    return re.compile(re.sub(r"%\\\(\w+\\\)s", "(.+)", re.escape(msgid)))


_QUOTING = [(msgid, _pattern(msgid)) for msgid in (LTV_UNDEFINED, CAC_UNDEFINED)]
_NOT_AVAILABLE = _pattern(NOT_AVAILABLE)


def shown_reason(reason: str) -> str:
    """A stored reason in the active language ("" stays "")."""
    if not reason:
        return reason
    for msgid, pattern in _QUOTING:
        if match := pattern.fullmatch(reason):
            return gettext(msgid) % {"reason": shown_reason(match[1])}
    if match := _NOT_AVAILABLE.fullmatch(reason):
        return gettext(NOT_AVAILABLE) % {"cut": cut_kind_name(match[1])}
    return gettext(reason)


ZERO = Decimal(0)
CENT = Decimal("0.01")
_SIGNIFICANT = 15
# The contexts of canonical's rounding and of a ratio's division, made once: entering a
# `localcontext` for each of a run's 160,000 numbers (54,054 figures at 100,000 opportunities)
# was a second of the run's Python (docs/benchmarks.md).
_ROUNDING = Context(prec=60, rounding=ROUND_HALF_EVEN)
_DIVISION = Context(prec=40, rounding=ROUND_HALF_EVEN)
_WHOLE = Decimal(1)


@dataclass(frozen=True)
class Figure:
    """One metric's value for a period and cut, with the numbers behind it.

    `value` is None when the metric is undefined (a zero denominator), and then
    `undefined_reason` says why. For ratios, value = numerator / denominator.
    """

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    undefined_reason: str = ""


@lru_cache(maxsize=64)
def _quantum(exponent: int) -> Decimal:
    return Decimal((0, (1,), exponent))


def canonical(number) -> Decimal | None:
    """A figure's one written form: at most 10 decimal places and 15 significant digits."""
    if number is None:
        return None
    number = Decimal(number)
    if not number:
        return ZERO
    exponent = max(-10, number.adjusted() - (_SIGNIFICANT - 1))
    rounded = number.quantize(_quantum(exponent), context=_ROUNDING)
    if not rounded:
        return ZERO
    if rounded == rounded.to_integral_value():
        # No exponent form (7.9E+2) nor trailing zeros: whole numbers are written out (790).
        return rounded.quantize(_WHOLE, context=_ROUNDING)
    return rounded.normalize(_ROUNDING)


def figure(value, numerator=None, denominator=None, reason: str = "") -> Figure:
    return Figure(canonical(value), canonical(numerator), canonical(denominator), reason)


def ratio(numerator: Decimal, denominator: Decimal, reason: str) -> Figure:
    if not denominator:
        return Figure(None, canonical(numerator), canonical(denominator), reason)
    return figure(_DIVISION.divide(numerator, denominator), numerator, denominator)


def undefined(reason: str, numerator=None, denominator=None) -> Figure:
    return Figure(None, canonical(numerator), canonical(denominator), reason)


def money(cents) -> Decimal:
    """Whole cents summed by the database (a number, a float on SQLite, or None) as money."""
    return (Decimal(cents or 0) / 100).quantize(CENT)


def gross_margin() -> Decimal:
    return Decimal(str(settings.METRICS_GROSS_MARGIN))
