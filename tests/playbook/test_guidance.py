"""The ten sections' guidance in every language, and set_playbook_language."""

import json
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from playbook import guidance, services
from playbook.models import Section

LANGUAGES = [code for code, _name in settings.LANGUAGES]
SLUGS = list(guidance.guidance("en")[1])


def test_english_guidance_is_what_migration_0002_seeded():
    from importlib import import_module

    seeded = import_module("playbook.migrations.0002_seed_sections").SECTIONS
    assert [(slug, title) for slug, title, _team, _body in seeded] == [
        (slug, guidance.guidance("en")[1][slug].title) for slug in SLUGS
    ]
    for slug, _title, _team, body in seeded:
        assert guidance.seeded_body("en", slug) == body


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_the_ten_sections_with_as_many_questions(language):
    heading, sections = guidance.guidance(language)
    english = guidance.guidance("en")[1]
    assert heading and list(sections) == SLUGS
    for slug, text in sections.items():
        assert text.title, slug
        count = len(re.findall(r"^- ", text.questions, flags=re.MULTILINE))
        assert count == len(re.findall(r"^- ", english[slug].questions, flags=re.MULTILINE)), slug
        if language in {"ru", "fa"}:  # written in their own script (a few Latin terms aside)
            words = re.sub(r"\b[A-Z]{2,}\b|RevOps", "", text.title + text.questions)
            letters = re.findall(r"[^\W\d_]", words)
            latin = [c for c in letters if c.isascii()]
            assert len(latin) < len(letters) / 10, slug


def test_the_files_are_plain_json_objects():
    for path in guidance.GUIDANCE_DIR.glob("*.json"):
        assert set(json.loads(path.read_text())) == {"heading", "sections"}, path.name


@pytest.mark.django_db
def test_a_new_install_takes_the_chosen_language(personas):
    owned = Section.objects.get(slug="target-audience")
    services.save_revision(
        section=owned,
        author=personas["owner"],
        title="Target audience",
        body="Our ICP, written by us.",
        change_note="",
        base_number=1,
    )
    out = StringIO()
    call_command("set_playbook_language", "ru", stdout=out)
    _heading, russian = guidance.guidance("ru")
    untouched = Section.objects.select_related("current_revision").get(slug="revops-overview")
    assert untouched.title == untouched.current_revision.title == russian["revops-overview"].title
    assert russian["revops-overview"].questions in untouched.current_revision.body
    assert untouched.current_revision.number == 1
    owned.refresh_from_db()
    assert owned.current_revision.body == "Our ICP, written by us."
    assert owned.title == "Target audience"
    assert owned.guiding_questions.strip() == russian["target-audience"].questions
    assert "10 section(s) changed; 9 untouched" in out.getvalue()
    # Running it again changes nothing; going back to English restores the English seeds.
    assert guidance.set_playbook_language("ru") == guidance.Localized(0, 0)
    assert guidance.set_playbook_language("en") == guidance.Localized(10, 9)
    untouched.refresh_from_db()
    assert untouched.current_revision.body == guidance.seeded_body("en", "revops-overview")


@pytest.mark.django_db
def test_seeded_questions_are_shown_in_the_readers_language_and_edited_ones_as_written():
    from django.utils import translation

    section = Section.objects.get(slug="tone-of-voice")
    with translation.override("fa"):
        assert (
            guidance.shown_questions(section)
            == guidance.guidance("fa")[1][section.slug].questions + "\n"
        )
    guidance.set_playbook_language("pl")  # an install in Polish; a Russian reader reads Russian
    section.refresh_from_db()
    with translation.override("ru"):
        assert guidance.shown_questions(section).startswith("- Какие несколько черт")
    section.guiding_questions = "- What do our customers call us?\n"
    with translation.override("ru"):
        assert guidance.shown_questions(section) == "- What do our customers call us?\n"


@pytest.mark.django_db
def test_the_editor_shows_the_guidance_in_the_readers_language(client_as, section):
    response = client_as("owner").get(f"/playbook/{section.slug}/edit/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert guidance.guidance("ru")[1][section.slug].questions.splitlines()[0][2:] in response.text
