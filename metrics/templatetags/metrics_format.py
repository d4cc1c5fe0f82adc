"""Template filters for metric figures in the reader's language: values by unit, signed
percentages, numerators and denominators (all formatted by metrics.presentation)."""

from django import template

from metrics import catalog
from metrics.presentation import format_plain_number, format_signed_percent, format_value

register = template.Library()


@register.filter
def metric_value(value, unit):
    """`{{ figure.value|metric_value:figure.definition.unit }}`: "—" when undefined."""
    return format_value(value, unit)


@register.filter
def signed_percent(value):
    """A change ratio's percentage with its sign: "+12.5%", "−3.0%"; "" when unknown."""
    return format_signed_percent(value)


@register.filter
def plain_number(value):
    """A numerator/denominator as it is stored, trailing zeros dropped; "" when empty."""
    return format_plain_number(value)


@register.simple_tag
def metric_keys():
    """`{% metric_keys as keys %}`: every metric's key, from the catalogue (no query)."""
    from metrics import catalog

    return catalog.KEYS


@register.filter
def cut_kind_name(kind: str) -> str:
    """A cut kind as a sentence names it, in the reader's language: "segment", "сегмент"."""
    return catalog.cut_kind_name(kind)
