"""Search over the sections' current text, in whatever language it is written.

A section's text may be English, Polish, Romanian, Russian or Persian whatever the reader's
language, so a section matches when any configuration finds every word: PostgreSQL stems English,
Russian and Romanian; Polish and Persian have no stemmer there and are matched word for word by
`portal_simple` (simple + unaccent, migration 0011), which also lets "zarzadzanie" find
"zarządzanie". The snippet is drawn by the configuration that matched. SQLite (the embedded
mode) matches substrings of text folded the same way in both the query and the section
(`search_fold`, a function registered on each SQLite connection): case, accents and width.
"""

import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import reduce

from django.db import connection
from django.db.models import Case, F, Func, Q, TextField, When

from .models import Section
from .selectors import sections_with_people

SEARCH_MAX_QUERY = 200
SEARCH_MAX_TERMS = 8
SNIPPET_RADIUS = 90
# Markers around search hits: private-use characters that never occur in normal text.
MARK_START, MARK_STOP = "\ue000", "\ue001"
# First match wins the snippet; portal_simple last, as it matches only the words as written.
POSTGRES_CONFIGS = ("english", "russian", "romanian", "portal_simple")


@dataclass
class SearchResult:
    section: Section
    segments: list[tuple[str, bool]]
    rank: float


def search_fold(text: str | None) -> str | None:
    """Text as search compares it: without case, accents or compatibility forms."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """connection_created: `search_fold(text)` in SQLite's SQL (PostgreSQL has unaccent)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_fold", 1, search_fold, deterministic=True)


class Folded(Func):
    function = "search_fold"
    output_field = TextField()


def search_sections(*, query: str) -> list[SearchResult]:
    """The sections whose current title or text holds every word of `query`, best first."""
    query = (query or "").strip()[:SEARCH_MAX_QUERY]
    if not _terms(query):
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(query)
    return _search_fallback(query)


def _terms(query: str) -> list[str]:
    return [term for term in query.split() if term][:SEARCH_MAX_TERMS]


def _search_postgres(query: str) -> list[SearchResult]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    queries = [SearchQuery(query, search_type="websearch", config=c) for c in POSTGRES_CONFIGS]
    documents = {
        f"document_{i}": SearchVector("current_revision__title", weight="A", config=config)
        + SearchVector("current_revision__body", weight="B", config=config)
        for i, config in enumerate(POSTGRES_CONFIGS)
    }
    matches = [Q(**{f"document_{i}": q}) for i, q in enumerate(queries)]
    headline = Case(
        *(
            When(
                match,
                then=SearchHeadline(
                    "current_revision__body",
                    q,
                    config=config,
                    start_sel=MARK_START,
                    stop_sel=MARK_STOP,
                    max_words=40,
                    min_words=15,
                ),
            )
            for match, q, config in zip(matches, queries, POSTGRES_CONFIGS, strict=True)
        ),
        output_field=TextField(),
    )
    rank = reduce(operator.add, (SearchRank(F(f"document_{i}"), q) for i, q in enumerate(queries)))
    sections = (
        sections_with_people()
        .annotate(**documents)
        .filter(Q.create(matches, connector=Q.OR))
        .annotate(rank=rank, headline=headline)
    )
    results = [
        SearchResult(section=s, segments=_split_marked(s.headline), rank=float(s.rank))
        for s in sections
    ]
    results.sort(key=lambda r: (-r.rank, r.section.outline_key))
    return results


def _search_fallback(query: str) -> list[SearchResult]:
    terms = _terms(query)
    condition = Q()
    for term in terms:
        folded = search_fold(term)
        condition &= Q(folded_title__contains=folded) | Q(folded_body__contains=folded)
    sections = (
        sections_with_people()
        .annotate(
            folded_title=Folded("current_revision__title"),
            folded_body=Folded("current_revision__body"),
        )
        .filter(condition)
        .in_outline_order()
    )
    results = []
    for section in sections:
        title = search_fold(section.current_revision.title)
        rank = sum(2.0 if search_fold(t) in title else 1.0 for t in terms)
        segments = _snippet(section.current_revision.body, terms)
        results.append(SearchResult(section=section, segments=segments, rank=rank))
    results.sort(key=lambda r: (-r.rank, r.section.outline_key))
    return results


def _split_marked(text: str) -> list[tuple[str, bool]]:
    """'a \ue000b\ue001 c' -> [('a ', False), ('b', True), (' c', False)]."""
    segments: list[tuple[str, bool]] = []
    for part in re.split(f"({MARK_START}.*?{MARK_STOP})", text, flags=re.DOTALL):
        if not part:
            continue
        if part.startswith(MARK_START) and part.endswith(MARK_STOP):
            segments.append((part[1:-1], True))
        else:
            segments.append((part.replace(MARK_START, "").replace(MARK_STOP, ""), False))
    return segments


def _hits(body: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the terms occur in `body` (start, end), compared folded as the query was."""
    folded, origin = [], []  # origin[i]: the index in `body` of folded character i
    for index, char in enumerate(body):
        for folded_char in search_fold(char):
            folded.append(folded_char)
            origin.append(index)
    folded_text = "".join(folded)
    needles = sorted({search_fold(t) for t in terms} - {""}, key=len, reverse=True)
    if not needles:
        return []
    pattern = re.compile("|".join(re.escape(n) for n in needles))
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(folded_text)]


def _snippet(body: str, terms: list[str]) -> list[tuple[str, bool]]:
    """A window of ``body`` around the first hit, with every term occurrence marked."""
    hits = _hits(body, terms) if terms else []
    first_start, first_end = hits[0] if hits else (0, 0)
    start = max(0, first_start - SNIPPET_RADIUS)
    end = min(len(body), first_end + SNIPPET_RADIUS * 2)
    segments: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    position = start
    for hit_start, hit_end in hits:
        if hit_start < start or hit_end > end:
            continue
        if hit_start > position:
            segments.append((body[position:hit_start], False))
        segments.append((body[hit_start:hit_end], True))
        position = hit_end
    if position < end:
        segments.append((body[position:end], False))
    if end < len(body):
        segments.append(("…", False))
    return segments
