"""Data-quality findings in the reader's language (issue 15): a check stores its words in
English (the command prints them); the pages read them in their own, the impact's figures
included."""

from datetime import date

import pytest
from django.utils import translation

from metrics import quality, quality_checks
from metrics.importing import reasons
from metrics.models import DataFinding
from tests.i18n.own_catalogue import compiled_catalogue
from tests.metrics.factories import OpportunityFactory

TODAY = date(2026, 11, 15)
RUSSIAN_WITHOUT_SOURCE = (
    "%(percent)s новых клиентов в %(quarter)s (%(unsourced)s из %(count)s) вне каналов."
)


@pytest.mark.parametrize("sentence", quality.IMPACTS, ids=lambda s: s.msgid[:40])
@pytest.mark.parametrize("count", [1, 7])
def test_every_impact_is_read_back_from_its_english_words(sentence, count):
    figures = {name: f"<{name}>" for name in reasons._PARAM.findall(sentence.msgid)}
    if sentence.plural:
        figures["count"] = count
    said = quality._saying(sentence, **figures)

    assert reasons.read_back(said.english, quality.IMPACTS) == said


@pytest.mark.django_db
def test_the_pages_read_a_stored_finding_in_their_language(settings, tmp_path):
    compiled_catalogue(
        settings,
        tmp_path,
        {
            "ru": {
                "Opportunities without a source": "Сделки без источника",
                (quality.WITHOUT_SOURCE.msgid, quality.WITHOUT_SOURCE.plural): [
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
        title, impact = str(shown.title), shown.impact
    stored = DataFinding.objects.get(code="opportunities_without_source")

    assert title == "Сделки без источника"
    # The quarter, stored as its English label, is written the reader's way too.
    assert impact == "25 % новых клиентов в 3-й кв. 2026\u202fг. (1 из 4) вне каналов."
    assert (stored.title, stored.impact) == (
        "Opportunities without a source",
        "25 % of new customers in Q3 2026 (1 of 4) are not in any channel.",
    )


def test_an_impact_in_words_no_sentence_has_is_shown_as_stored():
    assert quality.shown_impact("Written before the words changed.") == (
        "Written before the words changed."
    )
