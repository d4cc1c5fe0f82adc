"""A metric's figure and the arithmetic every family shares: exact cents, canonical numbers,
ratios that are undefined (with a reason) over a zero denominator."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from django.conf import settings

ZERO = Decimal(0)
CENT = Decimal("0.01")
_SIGNIFICANT = 15


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


def canonical(number) -> Decimal | None:
    """A figure's one written form: at most 10 decimal places and 15 significant digits."""
    if number is None:
        return None
    number = Decimal(number)
    if not number:
        return ZERO
    exponent = max(-10, number.adjusted() - (_SIGNIFICANT - 1))
    with localcontext(prec=60):
        rounded = number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)
    if not rounded:
        return ZERO
    rounded = rounded.normalize()
    # No exponent form (7.9E+2): whole numbers are written out (790).
    return rounded.quantize(Decimal(1)) if rounded.as_tuple().exponent > 0 else rounded


def figure(value, numerator=None, denominator=None, reason: str = "") -> Figure:
    return Figure(canonical(value), canonical(numerator), canonical(denominator), reason)


def ratio(numerator: Decimal, denominator: Decimal, reason: str) -> Figure:
    if not denominator:
        return Figure(None, canonical(numerator), canonical(denominator), reason)
    with localcontext(prec=40):
        return figure(numerator / denominator, numerator, denominator)


def undefined(reason: str, numerator=None, denominator=None) -> Figure:
    return Figure(None, canonical(numerator), canonical(denominator), reason)


def money(cents) -> Decimal:
    """Whole cents summed by the database (a number, a float on SQLite, or None) as money."""
    return (Decimal(cents or 0) / 100).quantize(CENT)


def gross_margin() -> Decimal:
    return Decimal(str(settings.METRICS_GROSS_MARGIN))
