"""The catalogue's texts are read in the reader's language; machine outputs stay English."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.functional import Promise

from metrics import catalog, docs
from metrics.cuts import Cut

TEXTS = ("name", "formula", "what", "why")


def test_every_catalogue_text_is_a_lazy_translation():
    # A plain str here would show English to every reader, whatever their language.
    for definition in catalog.METRICS:
        for field in TEXTS:
            assert isinstance(getattr(definition, field), Promise), (definition.key, field)
    for kind in catalog.CUT_KINDS:
        assert isinstance(catalog.CUT_KIND_NAMES[kind], Promise), kind
    assert all(isinstance(label, Promise) for _key, label in catalog.KEY_CHOICES)


def test_a_definition_hashes_by_its_key_in_every_language():
    win_rate = catalog.BY_KEY["win_rate"]
    with translation.override("ru"):
        in_russian = hash(win_rate)
    assert in_russian == hash(win_rate) == hash("win_rate")


def test_docs_metrics_md_is_english_whatever_the_active_language():
    with translation.override("ru"):
        rendered = docs.render()
    assert rendered == docs.default_path().read_text(encoding="utf-8")
    assert "### Win rate (`win_rate`)" in rendered


@pytest.mark.django_db
def test_metrics_report_prints_english_names_and_json_whatever_the_active_language():
    with translation.override("fa"):
        table, as_json = StringIO(), StringIO()
        call_command("metrics_report", "--period", "2017-06", stdout=table)
        call_command("metrics_report", "--period", "2017-06", "--format", "json", stdout=as_json)
    assert "  Win rate " in table.getvalue()
    assert "Net revenue retention" in table.getvalue()
    assert list(json.loads(as_json.getvalue())["metrics"]) == list(catalog.KEYS)


def test_a_cut_reads_its_kind_and_the_crms_value():
    with translation.override("en"):
        assert Cut("segment", "Enterprise").label() == "Segment: Enterprise"
        assert Cut("owner", "ana@example.com").kind_name == "Owner"
        assert Cut().label() == "All"
        assert str(dict(catalog.KEY_CHOICES)["win_rate"]) == "Win rate (win_rate)"
