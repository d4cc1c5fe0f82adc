"""Saving, history, diffs, restoring, and never losing an edit."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from playbook import services
from playbook.diffing import diff_lines
from playbook.models import Revision

from .conftest import over_documents


@pytest.fixture
def owner(personas):
    return personas["owner"]


def save(section, author, body, base, title="Target audience", note=""):
    return services.save_revision(
        section=section, author=author, title=title, body=body, change_note=note, base_number=base
    )


@pytest.mark.django_db
def test_the_migration_wrote_each_sections_guiding_questions_as_revision_one_by_system(section):
    first = section.current_revision
    assert first.number == 1
    assert first.author is None and first.author_name == "System"
    assert "ideal customer profile" in first.body
    assert Revision.objects.filter(number=1).count() == 10


@over_documents
@pytest.mark.django_db
def test_saving_appends_numbered_revisions_and_moves_the_current_pointer(section, owner):
    second = save(section, owner, "two", base=1, note="First real draft")
    third = save(section, owner, "three", base=2)
    section.refresh_from_db()
    assert (second.number, third.number) == (2, 3)
    assert section.current_revision_id == third.pk
    assert list(section.revisions.values_list("number", flat=True)) == [3, 2, 1]
    assert second.change_note == "First real draft" and second.author == owner


@over_documents
@pytest.mark.django_db
def test_it_rejects_a_stale_edit_and_writes_nothing(section, owner):
    save(section, owner, "A's text", base=1)
    with pytest.raises(services.StaleEditError) as raised:
        save(section, owner, "B's text", base=1)
    assert raised.value.current.number == 2
    assert raised.value.current.body == "A's text"
    assert section.revisions.count() == 2


@over_documents
@pytest.mark.django_db
def test_a_revision_cannot_be_changed_once_saved(section):
    revision = section.current_revision
    revision.body = "rewritten history"
    with pytest.raises(ValidationError):
        revision.save()
    assert Revision.objects.get(pk=revision.pk).body != "rewritten history"


@over_documents
@pytest.mark.django_db
def test_restore_copies_the_old_revision_into_a_new_one(section, owner):
    original = section.current_revision
    save(section, owner, "replaced", base=1, title="Other title")
    restored = services.restore_revision(section=section, revision=original, author=owner)
    assert restored.number == 3
    assert (restored.title, restored.body) == (original.title, original.body)
    assert restored.restored_from == original
    assert restored.change_note == "Restored revision 1"
    assert section.revisions.count() == 3  # nothing deleted


@over_documents
@pytest.mark.django_db
def test_restore_refuses_a_revision_of_another_section(section, other_section, owner):
    with pytest.raises(ValueError):
        services.restore_revision(
            section=section, revision=other_section.current_revision, author=owner
        )


@over_documents
@pytest.mark.django_db
def test_a_stale_save_through_the_form_shows_a_409_conflict_that_keeps_the_users_text(
    client_as, section, personas
):
    # A and B both open revision 1; A (the champion) saves first.
    save(section, personas["champion"], "Line one\nChampion's line\n", base=1, note="A's edit")
    response = client_as("owner").post(
        reverse("playbook:edit", args=[section.slug]),
        {
            "title": "Owner's title",
            "body": "Line one\nOwner's unique sentence\n",
            "change_note": "Owner's note",
            "base_number": 1,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    # The user's text, title and note are back in a form, now on the current base (2).
    assert "Owner&#x27;s unique sentence" in html
    assert 'value="Owner&#x27;s title"' in html
    assert 'value="Owner&#x27;s note"' in html
    assert 'name="base_number" value="2"' in html
    # ...with a diff between the current revision and the user's text.
    # Word level: "Champion" -> "Owner" and "line" -> "unique sentence"; "'s " is unchanged.
    assert '<del class="diff-del">Champion</del>&#x27;s <del class="diff-del">line</del>' in html
    assert (
        '<ins class="diff-add">Owner</ins>&#x27;s <ins class="diff-add">unique sentence</ins>'
        in html
    )
    # The database kept A's save and nothing else.
    section.refresh_from_db()
    assert section.current_revision.number == 2
    assert section.current_revision.body == "Line one\nChampion's line\n"


@over_documents
@pytest.mark.django_db
def test_resubmitting_the_conflict_form_saves_on_the_current_base(client_as, section, personas):
    save(section, personas["champion"], "champion", base=1)
    client = client_as("owner")
    url = reverse("playbook:edit", args=[section.slug])
    data = {"title": "T", "body": "merged text", "change_note": "merged", "base_number": 1}
    assert client.post(url, data).status_code == 409
    assert client.post(url, {**data, "base_number": 2}).status_code == 302
    section.refresh_from_db()
    assert (section.current_revision.number, section.current_revision.body) == (3, "merged text")


@over_documents
@pytest.mark.django_db
def test_the_history_page_lists_every_revision_with_author_and_note(client_as, section, personas):
    save(section, personas["owner"], "b", base=1, note="Second thoughts")
    save(section, personas["champion"], "c", base=2, note="Champion tidy-up")
    html = (
        client_as("reader").get(reverse("playbook:history", args=[section.slug])).content.decode()
    )
    assert "Second thoughts" in html and "Champion tidy-up" in html and "System" in html
    for number in (1, 2, 3):
        assert f'name="from" value="{number}"' in html
    # A reader sees no restore buttons.
    assert reverse("playbook:restore", args=[section.slug, 1]) not in html


@over_documents
@pytest.mark.django_db
def test_the_diff_between_any_two_revisions_marks_additions_and_removals(client_as, section, owner):
    save(section, owner, "alpha\nbeta\ngamma\n", base=1)
    save(section, owner, "alpha\nBETA changed\ngamma\ndelta\n", base=2)
    url = reverse("playbook:diff", args=[section.slug])
    html = client_as("reader").get(url + "?from=2&to=3").content.decode()
    assert '<del class="diff-del">beta</del>' in html
    assert '<ins class="diff-add">BETA changed</ins>' in html
    assert '<ins class="diff-add">delta</ins>' in html
    # Any two, in either direction, including the migration's revision 1.
    assert client_as("reader").get(url + "?from=3&to=1").status_code == 200


@over_documents
@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?from=1", "?from=x&to=1", "?from=1&to=1.5"])
def test_a_diff_without_two_numbers_is_a_bad_request(client_as, section, query):
    response = client_as("reader").get(reverse("playbook:diff", args=[section.slug]) + query)
    assert response.status_code == 400


@over_documents
@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?from=1&to=99", "?from=-1&to=1"])
def test_a_diff_naming_a_missing_revision_is_not_found(client_as, section, query):
    response = client_as("reader").get(reverse("playbook:diff", args=[section.slug]) + query)
    assert response.status_code == 404


@over_documents
@pytest.mark.django_db
def test_a_diff_cannot_reach_another_sections_revisions(client_as, section, other_section, owner):
    save(other_section, owner, "secret-ish", base=1, title="Products and services")
    url = reverse("playbook:diff", args=[section.slug]) + "?from=1&to=2"
    assert client_as("reader").get(url).status_code == 404


def test_the_line_diff_pairs_edited_lines_and_highlights_only_changed_words():
    diff = diff_lines("keep\nthe quick fox\nold", "keep\nthe slow fox\n")
    kinds = [line.kind for line in diff.lines]
    assert kinds == ["equal", "del", "del", "add"]
    assert diff.lines[1].segments == [("the ", False), ("quick", True), (" fox", False)]
    assert diff.lines[3].segments == [("the ", False), ("slow", True), (" fox", False)]
    assert diff.lines[2].segments == [("old", True)]
    assert (diff.added, diff.removed) == (1, 2)


def test_long_unchanged_runs_fold_into_one_row_keeping_context_around_changes():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten")
    rows = diff_lines(old, new, context=2).lines
    assert [(row.kind, row.old_number) for row in rows] == [
        ("skip", None),
        ("equal", 8),
        ("equal", 9),
        ("del", 10),
        ("add", None),
        ("equal", 11),
        ("equal", 12),
        ("skip", None),
    ]
    assert rows[0].segments == [("7 unchanged lines", False)]
    assert rows[-1].segments == [("8 unchanged lines", False)]


@pytest.mark.django_db
def test_the_table_of_contents_lists_recent_changes_newest_first_with_their_diffs(
    client_as, section, other_section, personas
):
    save(section, personas["owner"], "two", base=1, note="Added the ICP table")
    services.save_revision(
        section=other_section, author=personas["other_owner"], title="Products and services",
        body="pricing", change_note="New pricing tiers", base_number=1,
    )  # fmt: skip
    body = client_as("reader").get(reverse("playbook:index")).content.decode()
    recent = body[body.index("Recent changes") :]
    assert recent.index("New pricing tiers") < recent.index("Added the ICP table")
    assert reverse("playbook:diff", args=[section.slug]) + "?from=1&amp;to=2" in recent
