"""The catalogue's texts are read in the reader's language; machine outputs stay English.

A small catalogue of the test's own (tests/i18n/own_catalogue.py) stands in for the project's,
so the Russian side is checked whatever locale/ holds."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from metrics import catalog, docs
from metrics.admin import metric_choices
from metrics.cuts import Cut
from metrics.periods import Period
from tests.i18n.own_catalogue import compiled_catalogue
from tests.metrics.dashboard_support import make_persona
from tests.metrics.factories import MetricRunFactory, MetricValueFactory

TEXTS = ("name", "formula", "what", "why")
WIN_RATE = catalog.BY_KEY["win_rate"]
RUSSIAN = {
    str(WIN_RATE.name): "Доля выигранных сделок",
    str(WIN_RATE.what): "Доля сделок, закрытых в периоде, которые были выиграны.",
    ("metric name", "ARR"): "Годовая регулярная выручка (ARR)",
    ("metric cut", "Segment"): "Сегмент",
    "%(kind)s: %(value)s": "%(kind)s: %(value)s",
}


@pytest.fixture
def russian(settings, tmp_path):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN})


def test_every_catalogue_text_is_a_lazy_translation():
    # A plain str here would show English to every reader, whatever their language.
    for definition in catalog.METRICS:
        for field in TEXTS:
            assert isinstance(getattr(definition, field), Promise), (definition.key, field)
    for kind in catalog.CUT_KINDS:
        assert isinstance(catalog.CUT_KIND_NAMES[kind], Promise), kind


def test_texts_read_the_active_language_and_a_definition_hashes_by_its_key(russian):
    with translation.override("ru"):
        assert str(WIN_RATE.name) == "Доля выигранных сделок"
        assert dict(metric_choices())["win_rate"] == "Доля выигранных сделок (win_rate)"
        assert Cut("segment", "Enterprise").label() == "Сегмент: Enterprise"
        in_russian = hash(WIN_RATE)
    assert in_russian == hash(WIN_RATE) == hash("win_rate")
    assert Cut("segment", "Enterprise").label() == "Segment: Enterprise"
    assert Cut().label() == "All"


@pytest.mark.django_db
def test_the_scorecard_and_metric_page_show_the_catalogue_in_russian(client, russian):
    december = Period.month(2017, 12)
    MetricValueFactory(
        run=MetricRunFactory(), key="arr", period_kind=december.kind,
        period_start=december.start, period_end=december.end, value=Decimal("100000"),
    )  # fmt: skip
    client.force_login(make_persona("reader"))
    scorecard = client.get(
        reverse("metrics:scorecard") + "?period=2017-12",
        HTTP_ACCEPT_LANGUAGE="ru",
    ).text
    assert "Годовая регулярная выручка (ARR)</a>" in scorecard
    metric = client.get(reverse("metrics:metric", args=["win_rate"]), HTTP_ACCEPT_LANGUAGE="ru")
    assert "<dd>Доля сделок, закрытых в периоде, которые были выиграны.</dd>" in metric.text


def test_docs_metrics_md_is_english_whatever_the_active_language(russian):
    with translation.override("ru"):
        rendered = docs.render()
    assert rendered == docs.default_path().read_text(encoding="utf-8")
    assert "### Win rate (`win_rate`)" in rendered
    assert "| `arr` | ARR | 12 × MRR |" in rendered


@pytest.mark.django_db
def test_metrics_report_prints_english_names_and_json_whatever_the_active_language(russian):
    with translation.override("ru"):
        table, as_json = StringIO(), StringIO()
        call_command("metrics_report", "--period", "2017-06", stdout=table)
        call_command("metrics_report", "--period", "2017-06", "--format", "json", stdout=as_json)
    assert "  Win rate " in table.getvalue()
    assert "  ARR " in table.getvalue()
    assert list(json.loads(as_json.getvalue())["metrics"]) == list(catalog.KEYS)
