"""The ten sections' titles and guiding questions in each language the portal speaks
(playbook/guidance/<language>.json), and putting an install's seeded sections into one of them.

Migration 0002 seeds the sections in English. `set_playbook_language` (the command) gives them
another language: every section's guiding questions, and the title and text of each section
nobody has written in yet (its only revision is the seeded one, by no author). Sections people
wrote stay as they wrote them.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation

from .models import Revision, Section

GUIDANCE_DIR = Path(__file__).resolve().parent / "guidance"


@dataclass(frozen=True)
class Guidance:
    title: str
    questions: str  # Markdown list


@cache
def guidance(language: str) -> tuple[str, dict[str, Guidance]]:
    """(the "Guiding questions" heading, {slug: Guidance}) in `language`."""
    data = json.loads((GUIDANCE_DIR / f"{language}.json").read_text(encoding="utf-8"))
    sections = {slug: Guidance(**text) for slug, text in data["sections"].items()}
    return data["heading"], sections


def seeded_body(language: str, slug: str) -> str:
    """A seeded section's revision 1, as migration 0002 wrote it in English."""
    heading, sections = guidance(language)
    return f"## {heading}\n\n{sections[slug].questions}\n"


@dataclass
class Localized:
    guidance: int = 0  # sections whose guiding questions changed
    rewritten: int = 0  # untouched sections whose title and text changed


@transaction.atomic
def set_playbook_language(language: str) -> Localized:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"{language!r} is not one of {', '.join(dict(settings.LANGUAGES))}.")
    heading, sections = guidance(language)
    result = Localized()
    for section in Section.objects.filter(slug__in=sections, parent=None).select_for_update():
        text = sections[section.slug]
        questions = text.questions + "\n"
        if section.guiding_questions != questions:
            section.guiding_questions = questions
            section.save(update_fields=["guiding_questions"])
            result.guidance += 1
        revisions = list(section.revisions.all()[:2])
        untouched = len(revisions) == 1 and revisions[0].author_id is None
        if untouched and revisions[0].number == 1 and section.title != text.title:
            Revision.objects.filter(pk=revisions[0].pk).update(
                title=text.title, body=seeded_body(language, section.slug), change_note=heading
            )
            Section.objects.filter(pk=section.pk).update(title=text.title)
            result.rewritten += 1
    return result


def shown_questions(section: Section) -> str:
    """A section's guiding questions for the reader: while they are still the seeded ones (in
    whichever language the install chose), in the reader's language; else as the champions
    wrote them."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language not in _LANGUAGES or section.slug not in guidance("en")[1]:
        return section.guiding_questions
    if section.guiding_questions.strip() not in _seeded_questions(section.slug):
        return section.guiding_questions
    return guidance(language)[1][section.slug].questions + "\n"


_LANGUAGES = {path.stem for path in GUIDANCE_DIR.glob("*.json")}


@cache
def _seeded_questions(slug: str) -> frozenset[str]:
    return frozenset(guidance(language)[1][slug].questions.strip() for language in _LANGUAGES)
