"""Each section's guiding questions stay visible beside the editor, and on the page while the
section is empty, not only in revision 1 (issue 13)."""

import pytest

from playbook import services
from playbook.models import Section

GUIDANCE = 'class="card pb-guidance"'


@pytest.mark.django_db
def test_every_seeded_section_has_its_questions():
    questions = dict(Section.objects.values_list("slug", "guiding_questions"))
    assert len(questions) == 10
    assert all(text.startswith("- ") and "?" in text for text in questions.values())
    assert "ideal customer profile" in questions["target-audience"].lower()


@pytest.mark.django_db
def test_an_empty_section_shows_its_questions_a_written_one_keeps_them_in_the_editor(
    client_as, section
):
    owner = client_as("owner")
    fresh = owner.get("/playbook/target-audience/").content.decode()
    assert GUIDANCE in fresh and "Nothing written yet" in fresh
    services.save_revision(
        section=section, author=section.owner, title=section.title, change_note="",
        body="Mid-market logistics firms.", base_number=1,
    )  # fmt: skip
    written = owner.get("/playbook/target-audience/").content.decode()
    assert GUIDANCE not in written and "Mid-market logistics firms." in written
    editor = owner.get("/playbook/target-audience/edit/").content.decode()
    assert GUIDANCE in editor
    assert "ideal customer profile" in editor.lower()
