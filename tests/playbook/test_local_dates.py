"""Dates in prose in the reader's digits (revops_portal/templatetags/local_dates.py, a builtin)."""

from datetime import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

MOMENT = datetime(2026, 11, 30, 7, 5)
TEMPLATE = Template(
    "{{ d|date:'DATE_FORMAT' }}|{{ d|date:'c' }}|{{ d|date:'Y-m-d H:i:s' }}|{{ d|time }}"
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Nov. 30, 2026|2026-11-30T07:05:00|2026-11-30 07:05:00|7:05 a.m."),
        ("ru", "30 ноября 2026 г.|2026-11-30T07:05:00|2026-11-30 07:05:00|7:05"),
        # Persian digits in what people read; the ISO codes stay codes.
        ("fa", "۳۰ نوامبر ۲۰۲۶|2026-11-30T07:05:00|2026-11-30 07:05:00|۷:۰۵"),
    ],
)
def test_locale_formats_use_the_readers_digits_and_codes_stay_latin(language, expected):
    with translation.override(language):
        assert TEMPLATE.render(Context({"d": MOMENT})) == expected


@pytest.mark.django_db
def test_a_playbook_page_in_persian_writes_its_dates_in_persian_digits(client_as, section):
    response = client_as("owner").get(f"/playbook/{section.slug}/", HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 200
    assert "۲۰۲۶" in response.text or "۲۰۲۷" in response.text
