"""Template filters for metric figures: values by unit, signed percentages."""

from decimal import Decimal

from django import template

from metrics.presentation import format_value

register = template.Library()


@register.filter
def metric_value(value, unit):
    """`{{ figure.value|metric_value:figure.definition.unit }}`: "—" when undefined."""
    return format_value(value, unit)


@register.filter
def signed_percent(value):
    """A change ratio's percentage with its sign: "+12.5%", "−3.0%"; "" when unknown."""
    if value is None:
        return ""
    value = Decimal(value)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{abs(value):,.1f}%"


@register.filter
def plain_number(value):
    """A numerator/denominator as it is stored, trailing zeros dropped; "" when empty."""
    if value is None:
        return ""
    value = Decimal(value)
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text or "0"


@register.simple_tag
def metric_keys():
    """`{% metric_keys as keys %}`: every metric's key, from the catalogue (no query)."""
    from metrics import catalog

    return catalog.KEYS
