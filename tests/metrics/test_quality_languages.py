"""Data-quality findings in the reader's language (issue 15): a check stores its words in
English (the command prints them); the pages read them in their own, the impact's figures
included."""

import json
import re
from datetime import date

import pytest
from django.utils import translation

from metrics import quality_checks, quality_impacts
from metrics.importing import reasons
from metrics.models import DataFinding
from tests.i18n.own_catalogue import compiled_catalogue
from tests.metrics.factories import OpportunityFactory

TODAY = date(2026, 11, 15)
RUSSIAN_WITHOUT_SOURCE = (
    "%(percent)s новых клиентов в %(quarter)s (%(unsourced)s из %(count)s) вне каналов."
)


@pytest.mark.parametrize("sentence", quality_impacts.IMPACTS, ids=lambda s: s.msgid[:40])
@pytest.mark.parametrize("count", [1, 7])
def test_every_impact_comes_back_from_what_a_check_stores(sentence, count):
    figures = {name: f"<{name}>" for name in re.findall(r"%\((\w+)\)s", sentence.msgid)}
    if sentence.plural:
        figures["count"] = count
    if "quarter" in figures:
        figures["quarter"] = reasons.PeriodName("2026-Q3")
    said = quality_impacts._saying(sentence, **figures)
    stored = json.loads(json.dumps(said.as_json()))

    assert reasons.Reason.from_json(stored).english == said.english
    assert ("Q3 2026" in said.english) == ("quarter" in figures)


@pytest.mark.django_db
def test_the_pages_read_a_stored_finding_in_their_language(settings, tmp_path):
    compiled_catalogue(
        settings,
        tmp_path,
        {
            "ru": {
                "Opportunities without a source": "Сделки без источника",
                (quality_impacts.WITHOUT_SOURCE.msgid, quality_impacts.WITHOUT_SOURCE.plural): [
                    RUSSIAN_WITHOUT_SOURCE
                ]
                * 4,
            }
        },
    )
    for number in range(4):
        OpportunityFactory(close_date=date(2026, 8, 10), source="" if number == 0 else "Web")
    quality_checks.run_check(check_id=quality_checks.check_now().pk, today=TODAY)

    with translation.override("ru"):
        shown = {f.code: f for f in quality_checks.findings()}["opportunities_without_source"]
        title, impact = shown.title, shown.impact
    stored = DataFinding.objects.get(code="opportunities_without_source")

    # Plain strings in that language, not lazy ones (kept findings are unpickled per request).
    assert type(title) is str and title == "Сделки без источника"
    assert type(shown.explanation) is str
    # The quarter, stored as its code, is named the reader's way too.
    assert impact == "25 % новых клиентов в 3-й кв. 2026\u202fг. (1 из 4) вне каналов."
    assert (stored.title, stored.impact) == (
        "Opportunities without a source",
        "25 % of new customers in Q3 2026 (1 of 4) are not in any channel.",
    )


def test_an_impact_checked_before_reasons_were_kept_is_shown_as_stored():
    assert quality_impacts.shown_impact({}, "Written before the words changed.") == (
        "Written before the words changed."
    )
