"""The metrics pages in a reader's language (issue 15): dates follow the reader's locale, and
what people or the CRM wrote (review notes, decisions, action items, owners, cut values) is
marked translate="no" (and dir="auto" where it is free text), so a translated page leaves it
as written and a right-to-left page shows a left-to-right note the right way round.

These hold whether or not the catalogues are compiled: the date formats and month names are
Django's own, and the markup is the templates'."""

from datetime import date
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from metrics import reviews
from metrics.periods import Period
from tests.metrics.dashboard_support import make_persona, make_user, store_figures
from tests.metrics.factories import MetricRunFactory
from tests.metrics.test_reviews import W48, logged_in, run_with_arr

pytestmark = pytest.mark.django_db


class _Elements(HTMLParser):
    """Every element's attributes and the text directly inside it, in document order."""

    def __init__(self):
        super().__init__()
        self.elements, self._open = [], []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in {"br", "input", "meta", "link", "img", "hr"}:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open and self._open.pop()["tag"] != tag:
            pass

    def handle_data(self, data):
        if self._open:
            self._open[-1]["text"] += data


def element_holding(html: str, text: str) -> dict:
    parser = _Elements()
    parser.feed(html)
    holders = [e for e in parser.elements if e["text"].strip() == text]
    assert holders, f"no element holds exactly {text!r}"
    return holders[0]


def test_a_review_in_russian_keeps_what_people_wrote_and_dates_the_russian_way():
    manager = make_persona("manager")
    owner = make_user("sales", first_name="Priya", last_name="Nair")
    run_with_arr(1000, minutes_ago=10)
    review = reviews.open_review(week=W48, by=manager)
    reviews.save_notes(review=review, notes="Churn is up in SMB", by=manager)
    reviews.add_decision(review=review, text="Hire two SDRs", by=manager)
    reviews.add_action_item(
        review=review, text="Call Acme", owner=owner, due_date=date(2026, 12, 4), by=manager
    )

    page = logged_in(manager).get(f"/reviews/{W48.code()}/", HTTP_ACCEPT_LANGUAGE="ru")

    html = page.content.decode()
    for written in ("Hire two SDRs", "Call Acme"):
        attrs = element_holding(html, written)["attrs"]
        assert attrs.items() >= {"translate": "no", "dir": "auto"}.items()
    notes = element_holding(html, "Churn is up in SMB")  # inside the notes' <p>
    assert notes["tag"] == "p" and 'class="review-notes" translate="no" dir="auto"' in html
    assert element_holding(html, "Priya Nair")["attrs"].get("translate") == "no"
    with translation.override("ru"):
        opened = date_format(localtime(review.opened_at), "DATETIME_FORMAT")
        due = date_format(date(2026, 12, 4), "SHORT_DATE_FORMAT")
    assert opened in html and "г." in opened  # "30 ноября 2026 г. …", not "2026-11-30 …"
    assert f"<td>{due}</td>" in html and due == "04.12.2026"


def test_a_cut_value_and_a_team_name_from_the_crm_are_left_as_written():
    run = MetricRunFactory()
    november = Period.month(2026, 11)
    store_figures(run, keys=["arr"], periods=[november], cut_kind="segment", cut_value="Enterprise")
    client = logged_in(make_persona("reader"))

    html = client.get(
        "/metrics/arr/", {"period": "2026-11", "segment": "Enterprise"}, HTTP_ACCEPT_LANGUAGE="fa"
    ).content.decode()

    assert element_holding(html, "Enterprise")["attrs"] == {"translate": "no", "dir": "auto"}
    # The cut kind beside it is the template's word, so it is translated, not left alone.
    assert "Segment: <span" in html or "بخش بازار: <span" in html


def test_the_monday_email_follows_the_language_it_is_rendered_in():
    item = SimpleNamespace(
        text="Call Acme",
        owner=None,
        due_date=date(2026, 12, 4),
        review=SimpleNamespace(week="2026-W48"),
    )
    summary = SimpleNamespace(
        week=SimpleNamespace(label="W48 2026"),
        run=SimpleNamespace(pk=7, finished_at=None),
        cards=[],
        open_items=[item],
        open_item_count=1,
        review_url="https://revops.example.com/reviews/2026-W48/",
        scorecard_url="https://revops.example.com/metrics/?period=2026-W48",
        settings_url="https://revops.example.com/reviews/",
    )
    context = {"summary": summary, "today": date(2026, 11, 30)}

    with translation.override("fa"):
        html = render_to_string("metrics/email/weekly_review.html", context)
        due = date_format(date(2026, 12, 4), "DATE_FORMAT")
    with translation.override("pl"):
        polish = render_to_string("metrics/email/weekly_review.html", context)

    assert '<html lang="fa" dir="rtl">' in html and '<html lang="pl" dir="ltr">' in polish
    assert element_holding(html, "Call Acme")["attrs"] == {"translate": "no", "dir": "auto"}
    # Django's Persian date format, in Persian digits (revops_portal/templatetags/local_dates.py).
    assert due == "4 دسامبر 2026" and "۴ دسامبر ۲۰۲۶" in html
    assert element_holding(html, "2026-W48")["attrs"] == {"translate": "no", "dir": "ltr"}


def test_how_many_periods_a_chart_covers_is_said_with_the_right_plural():
    def covered(count, kind):
        with translation.override("en"):
            return render_to_string("metrics/_last_periods.html", {"count": count, "kind": kind})

    assert (covered(1, "month"), covered(12, "month")) == ("last 1 month", "last 12 months")
    assert (covered(1, "week"), covered(26, "week")) == ("last 1 week", "last 26 weeks")
    assert covered(4, "quarter") == "last 4 quarters" and covered(2, "year") == "last 2 years"
