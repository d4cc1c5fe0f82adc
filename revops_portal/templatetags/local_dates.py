"""Dates in prose in the reader's own digits: Django's `date` and `time` filters, with the
digits of the language's numbering system (Persian ۳۰ نوامبر ۲۰۲۶) when the format is one of
the locale's own (DATE_FORMAT, SHORT_DATETIME_FORMAT…). Exact formats ("c", "Y-m-d H:i:s")
are codes (datetime attributes, sync cursors) and keep Latin digits.

A template builtin (settings.TEMPLATES), so every template's `|date` and `|time` is this one."""

from django import template
from django.template import defaultfilters

from revops_portal.localization import conventions

register = template.Library()

LOCALE_FORMATS = {
    None,  # |date and |time without a format: DATE_FORMAT, TIME_FORMAT
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
}


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    text = defaultfilters.date(value, arg)
    return conventions().native_digits(text) if arg in LOCALE_FORMATS else text


@register.filter(expects_localtime=True, is_safe=False)
def time(value, arg=None):
    text = defaultfilters.time(value, arg)
    return conventions().native_digits(text) if arg in LOCALE_FORMATS else text
