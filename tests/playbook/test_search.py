"""Search over current revisions: PostgreSQL full-text search, icontains fallback on SQLite."""

import pytest
from django.urls import reverse

from playbook import search, services


@pytest.fixture
def written(section, other_section, personas):
    services.save_revision(
        section=section,
        author=personas["owner"],
        title="Target audience",
        body="Our ideal customers are mid-market logistics firms.\n\nThey hate spreadsheets & <tags>.",
        change_note="",
        base_number=1,
    )
    services.save_revision(
        section=other_section,
        author=personas["other_owner"],
        title="Products and services",
        body="The Ledger Pro plan saves finance teams ten hours a week.",
        change_note="",
        base_number=1,
    )
    # An old revision mentioning a word the current one no longer has.
    services.save_revision(
        section=other_section,
        author=personas["other_owner"],
        title="Products and services",
        body="The Ledger Pro plan saves finance teams time.",
        change_note="",
        base_number=2,
    )


def slugs(results):
    return [r.section.slug for r in results]


@pytest.mark.django_db
def test_it_finds_sections_by_words_in_their_current_text(written):
    assert slugs(search.search_sections(query="logistics")) == ["target-audience"]
    assert slugs(search.search_sections(query="ledger")) == ["products-and-services"]


@pytest.mark.django_db
def test_it_ignores_text_that_only_old_revisions_had(written):
    assert search.search_sections(query="hours") == []


@pytest.mark.django_db
def test_every_word_must_match(written):
    assert slugs(search.search_sections(query="ledger finance")) == ["products-and-services"]
    assert search.search_sections(query="ledger logistics") == []


@pytest.mark.django_db
def test_an_empty_query_finds_nothing(written):
    assert search.search_sections(query="   ") == []


@pytest.mark.django_db
def test_snippets_mark_the_hits_and_keep_the_rest_as_plain_text(written):
    (result,) = search.search_sections(query="logistics")
    hits = [text for text, hit in result.segments if hit]
    assert [h.lower() for h in hits] == ["logistics"]
    assert "mid-market" in "".join(text for text, _ in result.segments)


@pytest.mark.django_db
def test_the_search_page_highlights_hits_and_escapes_the_text(client_as, written):
    html = (
        client_as("reader").get(reverse("playbook:search"), {"q": "spreadsheets"}).content.decode()
    )
    assert "<mark>spreadsheets</mark>" in html
    # Text is escaped (PostgreSQL's headline drops tag-like words, the fallback shows them escaped).
    assert "<mark>spreadsheets</mark> &amp;" in html and "<tags>" not in html
    assert 'href="/playbook/target-audience/"' in html


@pytest.mark.django_db
def test_the_search_page_without_a_query_shows_just_the_box(client_as):
    response = client_as("reader").get(reverse("playbook:search"))
    assert response.status_code == 200
    assert b'name="q"' in response.content


def test_the_fallback_snippet_window_is_cut_around_the_first_hit():
    body = "a" * 300 + " needle " + "b" * 300
    segments = search._snippet(body, ["NEEDLE"])
    assert segments[0] == ("…", False) and segments[-1] == ("…", False)
    assert ("needle", True) in segments
    assert len("".join(t for t, _ in segments)) < 300 + 2


@pytest.fixture
def written_in_other_languages(section, other_section, personas):
    services.save_revision(
        section=section,
        author=personas["owner"],
        title="Целевая аудитория",
        body="Наши клиенты: логистические компании. Воронка продаж начинается с вебинара.",
        change_note="",
        base_number=1,
    )
    services.save_revision(
        section=other_section,
        author=personas["other_owner"],
        title="محصولات و خدمات",
        body="Zarządzanie lejkiem sprzedażowym. قیف فروش ما از وبینار شروع می‌شود.",
        change_note="",
        base_number=1,
    )


def hit_words(result):
    return [text for text, hit in result.segments if hit]


@pytest.mark.django_db
def test_it_finds_a_russian_word_with_its_snippet(written_in_other_languages):
    (result,) = search.search_sections(query="воронка")
    assert result.section.slug == "target-audience"
    assert [w.lower() for w in hit_words(result)] == ["воронка"]
    assert "продаж" in "".join(text for text, _ in result.segments)
    # Case does not matter, in Cyrillic too (SQLite's own LIKE folds ASCII only).
    assert slugs(search.search_sections(query="ВОРОНКА")) == ["target-audience"]


@pytest.mark.django_db
def test_it_finds_a_persian_word_with_its_snippet(written_in_other_languages):
    (result,) = search.search_sections(query="وبینار")
    assert result.section.slug == "products-and-services"
    assert hit_words(result) == ["وبینار"]
    assert "قیف فروش" in "".join(text for text, _ in result.segments)


@pytest.mark.django_db
def test_polish_is_found_with_or_without_its_accents(written_in_other_languages):
    for query in ("zarządzanie", "zarzadzanie", "ZARZĄDZANIE"):
        (result,) = search.search_sections(query=query)
        assert result.section.slug == "products-and-services", query
        assert hit_words(result) == ["Zarządzanie"], query


def test_the_fallback_snippet_marks_a_hit_found_without_its_accents():
    segments = search._snippet("Plan: zarządzanie lejkiem.", ["ZARZADZANIE"])
    assert segments == [("Plan: ", False), ("zarządzanie", True), (" lejkiem.", False)]
