"""Numbers, money, percentages, days and dates in the reader's language (revops_portal/localization.py,
presentation.format_value, the period labels, the CSVs for people), on the scorecard, a metric
page and the Monday e-mail; machine outputs (JSON, the series CSV, chart data) stay plain.

NBSP = U+00A0 (CLDR's group and currency separator in pl, ro, ru), NNBSP = U+202F (ru "г."),
LRM = U+200E (fa keeps "$" and signs left of the number)."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from metrics import review_email
from metrics.csv_export import csv_response
from metrics.periods import Period
from metrics.presentation import Figure, format_plain_number, format_signed_percent, format_value
from revops_portal.localization import conventions
from revops_portal.profiles.models import Profile
from tests.metrics.dashboard_support import make_persona, store_figures
from tests.metrics.factories import (
    AccountFactory,
    MetricRunFactory,
    MetricValueFactory,
    OpportunityFactory,
)

NBSP, NNBSP, LRM = "\xa0", "\u202f", "\u200e"
LANGUAGES = ("en", "pl", "ro", "ru", "fa")

FIGURES = [
    (Decimal("1234567.891"), "money"),
    (Decimal("850.5"), "money"),
    (Decimal("0.4251"), "ratio"),
    (Decimal("1234"), "count"),
    (Decimal("12345"), "count"),
    (Decimal("3.5"), "multiple"),
    (Decimal("12.25"), "days"),
    (Decimal("1.5"), "months"),
    (Decimal("1500"), "money_per_day"),
]
WRITTEN = {
    "en": ["$1,234,568", "$850.50", "42.5%", "1,234", "12,345", "3.50×", "12.2 days",
           "1.5 months", "$1,500 per day"],
    # CLDR: Polish groups from five digits on (1234 but 12 345).
    "pl": [f"1{NBSP}234{NBSP}568{NBSP}USD", f"850,50{NBSP}USD", "42,5%", "1234",
           f"12{NBSP}345", "3,50×", "12,2 dnia", "1,5 miesiąca", f"1500{NBSP}USD na dobę"],
    "ro": [f"1.234.568{NBSP}USD", f"850,50{NBSP}USD", f"42,5{NBSP}%", "1.234", "12.345",
           "3,50×", "12,2 zile", "1,5 luni", f"1.500{NBSP}USD pe zi"],
    "ru": [f"1{NBSP}234{NBSP}568{NBSP}$", f"850,50{NBSP}$", f"42,5{NBSP}%", f"1{NBSP}234",
           f"12{NBSP}345", "3,50×", "12,2 дня", "1,5 месяца", f"1{NBSP}500{NBSP}$ в день"],
    # Persian digits and separators (٬ ٫ ٪) in prose.
    "fa": [f"{LRM}${NBSP}۱٬۲۳۴٬۵۶۸", f"{LRM}${NBSP}۸۵۰٫۵۰", "۴۲٫۵٪", "۱٬۲۳۴", "۱۲٬۳۴۵",
           "۳٫۵۰×", "۱۲٫۲ روز", "۱٫۵ ماه", f"{LRM}${NBSP}۱٬۵۰۰ در روز"],
}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_unit_is_written_the_way_the_readers_language_writes_it(language):
    with translation.override(language):
        assert [format_value(value, unit) for value, unit in FIGURES] == WRITTEN[language]
        assert format_value(None, "money") == "—"


@pytest.mark.parametrize(
    ("language", "changes", "negative_money"),
    [
        ("en", ["+12.5%", "−3.0%", "±0.0%", "1,234.5", "0.3333"], "-$850.50"),
        ("pl", ["+12,5%", "−3,0%", "±0,0%", "1234,5", "0,3333"], f"-850,50{NBSP}USD"),
        ("ro", [f"+12,5{NBSP}%", f"−3,0{NBSP}%", f"±0,0{NBSP}%", "1.234,5", "0,3333"],
         f"-850,50{NBSP}USD"),
        ("ru", [f"+12,5{NBSP}%", f"−3,0{NBSP}%", f"±0,0{NBSP}%", f"1{NBSP}234,5", "0,3333"],
         f"-850,50{NBSP}$"),
        ("fa", [f"{LRM}+۱۲٫۵٪", f"{LRM}−۳٫۰٪", "±۰٫۰٪", "۱٬۲۳۴٫۵", "۰٫۳۳۳۳"],
         f"{LRM}−{LRM}${NBSP}۸۵۰٫۵۰"),
    ],
)  # fmt: skip
def test_changes_numerators_and_negative_amounts_per_language(language, changes, negative_money):
    with translation.override(language):
        shown = [format_signed_percent(Decimal(p)) for p in ("12.5", "-3", "0")]
        shown += [format_plain_number(Decimal(n)) for n in ("1234.5000", "0.3333333")]
        assert shown == changes
        assert format_value(Decimal("-850.5"), "money") == negative_money


def test_a_plural_follows_the_number_as_shown():
    # 1.0 shows a decimal, so CLDR picks the "other" form (pl "dnia", not "dzień").
    with translation.override("pl"):
        assert format_value(Decimal("1"), "days") == "1,0 dnia"
    with translation.override("ru"):
        assert format_value(Decimal("5"), "months") == "5,0 месяца"


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["Week 42, 2026", "October 2026", "Q3 2026", "2026", "Oct 5\u2009–\u200919, 2026"]),
        ("pl", ["Tydzień 42, 2026", "październik 2026", "III kw. 2026", "2026", "5–19 paź 2026"]),
        ("ro", ["Săptămâna 42, 2026", "octombrie 2026", "trim. III 2026", "2026", "5–19 oct. 2026"]),
        ("ru", ["Неделя 42, 2026", f"октябрь 2026{NNBSP}г.", f"3-й кв. 2026{NNBSP}г.", "2026",
                f"5—19 окт. 2026{NNBSP}г."]),
        # The Gregorian calendar, written the Persian way.
        ("fa", ["هفتهٔ ۴۲، ۲۰۲۶", "اکتبر ۲۰۲۶", "سه\u200cماههٔ سوم ۲۰۲۶", "۲۰۲۶",
                "۵ تا ۱۹ اکتبر ۲۰۲۶"]),
    ],
)  # fmt: skip
def test_period_labels_per_language_while_codes_stay_codes(language, labels):
    """ "Week" comes from the catalogue (English until it is compiled); the rest from CLDR."""
    periods = [Period.week(2026, 42), Period.month(2026, 10), Period.quarter(2026, 3),
               Period.year(2026), Period(date(2026, 10, 5), date(2026, 10, 20))]  # fmt: skip
    with translation.override(language):
        assert [p.label() for p in periods] == labels
        assert [p.code() for p in periods] == [
            "2026-W42", "2026-10", "2026-Q3", "2026", "2026-10-05..2026-10-20"
        ]  # fmt: skip


def test_a_languages_conventions_are_built_once():
    with translation.override("pl"):
        assert conventions() is conventions("pl")
    assert conventions("pl") is not conventions("ru")


# --- CSVs ---------------------------------------------------------------------------------------


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


ROW = [["=evil()", Decimal("-1234.50"), 7, date(2017, 5, 1), True]]


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("en", '\ufeffname,amount,n,day,won\r\n\'=evil(),-1234.5,7,5/1/2017,yes\r\n'),
        # Comma decimals: cells are separated by ";" as spreadsheets in these languages expect.
        ("pl", "\ufeffname;amount;n;day;won\r\n'=evil();-1234,5;7;1.05.2017;tak\r\n"),
        ("ru", "\ufeffname;amount;n;day;won\r\n'=evil();-1234,5;7;01.05.2017;да\r\n"),
        # Latin digits in a spreadsheet, the Persian short date order.
        ("fa", '\ufeffname,amount,n,day,won\r\n\'=evil(),-1234.5,7,2017/5/1,بله\r\n'),
    ],
)  # fmt: skip
def test_a_csv_for_people_follows_their_language(language, line):
    with translation.override(language):
        response = csv_response("x.csv", ["name", "amount", "n", "day", "won"], ROW,
                                for_people=True)  # fmt: skip
    assert _body(response) == line


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_canonical_csv_is_the_same_in_every_language(language):
    with translation.override(language):
        response = csv_response("x.csv", ["name", "amount", "n", "day", "won"], ROW,
                                for_people=False)  # fmt: skip
    assert _body(response) == "name,amount,n,day,won\r\n'=evil(),-1234.50,7,2017-05-01,true\r\n"


# --- Pages, machine outputs and the Monday e-mail ---------------------------------------------

JUNE, MAY = Period.month(2017, 6), Period.month(2017, 5)


@pytest.fixture
def june_figures(db):
    run = MetricRunFactory()
    for period, arr, win_rate in ((MAY, "80000", "0.5"), (JUNE, "100000", "0.6")):
        MetricValueFactory(run=run, key="arr", period_start=period.start, period_end=period.end,
                           value=Decimal(arr))  # fmt: skip
        MetricValueFactory(run=run, key="win_rate", period_start=period.start,
                           period_end=period.end, value=Decimal(win_rate),
                           numerator=Decimal("3"), denominator=Decimal("5"))  # fmt: skip
    MetricValueFactory(run=run, key="sales_cycle_days", period_start=JUNE.start,
                       period_end=JUNE.end, value=None, undefined_reason="no won opportunities")  # fmt: skip
    return run


def _page(client, url, language):
    client.force_login(make_persona("reader"))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def test_the_scorecard_in_polish(client, june_figures):
    body = _page(client, "/metrics/?period=2017-06", "pl").content.decode()
    assert f"100{NBSP}000{NBSP}USD" in body and "$100,000" not in body
    assert "▲ +25,0%" in body  # ARR 80,000 → 100,000
    assert "60,0%" in body and "czerwiec 2017" in body


def test_a_metric_page_in_persian_while_its_chart_data_and_json_stay_plain(client, june_figures):
    response = _page(client, "/metrics/win_rate/?period=2017-06", "fa")
    body = response.content.decode()
    assert "۶۰٫۰٪" in body and "۵۰٫۰٪" in body  # June, May
    assert 'dir="rtl"' in body
    chart = json.loads(body.split('id="metric-data" type="application/json">')[1].split("</")[0])
    assert chart["data"][-2:] == [0.5, 0.6] and chart["currency"] == "USD"
    assert chart["labels"][-1] == "ژوئن ۲۰۱۷"  # a label people read
    report = client.get("/metrics/win_rate.json?period=2017-06", HTTP_ACCEPT_LANGUAGE="fa")
    assert report.json()["metrics"]["win_rate"]["value"] == "0.6"
    series = client.get("/metrics/win_rate.csv?period=2017-06", HTTP_ACCEPT_LANGUAGE="fa")
    rows = list(csv.reader(io.StringIO(_body(series))))
    assert rows[-1][:5] == ["2017-06", "2017-06-01", "2017-06-30", "all", ""]
    assert all(cell.isascii() for cell in rows[-1])  # no Persian digits or separators
    assert [Decimal(cell) for cell in rows[-1][5:8]] == [Decimal("0.6"), 3, 5]


def test_a_missing_figures_reason_is_read_in_the_page_language_and_english_in_the_csv():
    figure = Figure(definition=None, period=JUNE)  # nothing stored
    assert figure.missing_cause == "no value stored for this period"
    with translation.override("ru"):
        # gettext: the catalogue's Russian once compiled; the English msgid before.
        assert figure.missing_reason == translation.gettext("no value stored for this period")


def test_the_drill_down_csv_for_a_polish_reader(client, june_figures):
    OpportunityFactory(account=AccountFactory(name="Acme"), amount=Decimal("-12345.50"),
                       created_date=date(2017, 5, 1), close_date=date(2017, 6, 2))  # fmt: skip
    response = _page(client, "/metrics/win_rate/records.csv?period=2017-06", "pl")
    body = _body(response)
    assert body.startswith("\ufeff")
    (row,) = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))[1:]
    assert row[6:9] == ["-12345,5", "1.05.2017", "2.06.2017"]


def test_the_monday_email_in_the_recipients_language(db):
    """The e-mail goes out in the recipient's language (Profile.language), figures included."""
    run = MetricRunFactory()
    week, before = Period.week(2026, 48), Period.week(2026, 47)
    for period, arr in ((before, 1000), (week, 12500)):
        store_figures(run, keys=["arr"], periods=[period], value=lambda k, i, a=arr: Decimal(a))
    store_figures(run, keys=["win_rate"], periods=[week], value=lambda k, i: Decimal("0.4"))
    manager = make_persona("manager")
    manager.email = "manager@example.com"
    manager.save(update_fields=["email"])
    Profile.objects.update_or_create(user=manager, defaults={"language": "pl"})
    [email] = review_email.send_weekly_review(week=week, dry_run=True).messages
    text, (html, _) = email.body, email.alternatives[0]
    for body in (text, html):
        assert f"12{NBSP}500{NBSP}USD" in body and "+1150,0%" in body  # 1,000 → 12,500
        assert "40,0%" in body
        assert "$12,500" not in body
