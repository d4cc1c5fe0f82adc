"""Playbook permissions beyond the status code: a refused POST changes nothing, pages show
only the controls a persona may use, CSP and CSRF on every page.
Who gets which status on each route is stated once, in tests/portal/test_route_matrix.py."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from playbook.models import Revision, Section

from .conftest import PERSONAS, over_documents
from .images import png_bytes

EDITORS = {"owner", "champion", "manager"}  # of section A (target-audience)


def expected(persona, allowed, ok_status):
    if persona == "anonymous":
        return 302
    return ok_status if persona in allowed else 403


def assert_status(response, status, persona):
    assert response.status_code == status, (persona, response.status_code)
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")


READ_PAGES = [
    ("playbook:index", [], ""),
    ("playbook:search", [], "?q=customer"),
    ("playbook:section", ["target-audience"], ""),
    ("playbook:history", ["target-audience"], ""),
    ("playbook:diff", ["target-audience"], "?from=1&to=1"),
]


@over_documents
@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_editors_save_and_a_refused_save_writes_nothing(client_as, persona, section):
    before = Revision.objects.filter(section=section).count()
    response = client_as(persona).post(
        reverse("playbook:edit", args=[section.slug]),
        {"title": "New title", "body": "New body", "change_note": "x", "base_number": 1},
    )
    assert_status(response, expected(persona, EDITORS, 302), persona)
    after = Revision.objects.filter(section=section).count()
    assert after == before + (1 if persona in EDITORS else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_editors_upload_and_a_refused_upload_stores_nothing(client_as, persona, media_root):
    image = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    response = client_as(persona).post(
        reverse("playbook:upload", args=["target-audience"]), {"image": image}
    )
    assert_status(response, expected(persona, EDITORS, 200), persona)
    stored = list((media_root / "playbook" / "uploads").glob("*")) if media_root.exists() else []
    assert len(stored) == (1 if persona in EDITORS else 0)


@over_documents
@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_owner_champion_and_manager_restore(client_as, persona, section, personas):
    from playbook import services

    services.save_revision(
        section=section,
        author=personas["owner"],
        title="T",
        body="B2",
        change_note="",
        base_number=1,
    )
    response = client_as(persona).post(reverse("playbook:restore", args=[section.slug, 1]))
    assert_status(response, expected(persona, EDITORS, 302), persona)
    assert Revision.objects.filter(section=section).count() == (3 if persona in EDITORS else 2)


@over_documents
@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_owner_champion_and_manager_mark_reviewed(client_as, persona, section):
    response = client_as(persona).post(reverse("playbook:review", args=[section.slug]))
    assert_status(response, expected(persona, EDITORS, 302), persona)
    section.refresh_from_db()
    assert (section.last_reviewed_at is not None) == (persona in EDITORS)


ASSIGNERS = {"champion", "manager"}


@over_documents
@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_champions_and_managers_assign_owners(client_as, persona, section, personas):
    new_owner, owner_before = personas["reader"], section.owner  # a page: none of its own
    response = client_as(persona).post(
        reverse("playbook:owner", args=[section.slug]), {"owner": new_owner.pk}
    )
    assert_status(response, expected(persona, ASSIGNERS, 302), persona)
    section.refresh_from_db()
    expected_owner = new_owner if persona in ASSIGNERS else owner_before
    assert section.owner == expected_owner


@over_documents
@pytest.mark.django_db
def test_the_owner_of_section_b_is_refused_on_every_write_endpoint_of_section_a(
    client_as, section, personas
):
    client = client_as("other_owner")
    revisions_before = Revision.objects.count()
    slug = section.slug
    image = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    responses = [
        client.get(reverse("playbook:edit", args=[slug])),
        client.post(
            reverse("playbook:edit", args=[slug]),
            {"title": "Hijack", "body": "x", "change_note": "", "base_number": 1},
        ),
        client.post(reverse("playbook:upload", args=[slug]), {"image": image}),
        client.post(reverse("playbook:preview", args=[slug]), {"content": "x"}),
        client.post(reverse("playbook:restore", args=[slug, 1])),
        client.post(reverse("playbook:review", args=[slug])),
    ]
    assert [r.status_code for r in responses] == [403] * 6
    assert Revision.objects.count() == revisions_before
    assert Section.objects.get(slug=slug).last_reviewed_at is None
    # ...while the same user can edit their own section B.
    own = client.get(reverse("playbook:edit", args=["products-and-services"]))
    assert own.status_code == 200


@pytest.mark.django_db
def test_the_section_page_shows_edit_and_review_controls_only_to_those_allowed(client_as):
    url = reverse("playbook:section", args=["target-audience"])
    edit_url = reverse("playbook:edit", args=["target-audience"]).encode()
    for persona in ["owner", "champion", "manager"]:
        body = client_as(persona).get(url).content
        assert edit_url in body and b"Mark reviewed" in body, persona
    for persona in ["reader", "other_owner"]:
        body = client_as(persona).get(url).content
        assert edit_url not in body and b"Mark reviewed" not in body, persona


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args", "query"), READ_PAGES)
def test_every_playbook_page_sends_a_csp_with_a_fresh_nonce(client_as, name, args, query):
    client = client_as("owner")
    url = reverse(name, args=args) + query
    first, second = client.get(url), client.get(url)
    nonces = [
        re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1)
        for r in (first, second)
    ]
    assert "script-src 'self'" in first["Content-Security-Policy"]
    assert nonces[0] != nonces[1]


@over_documents
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["edit", "preview", "review", "upload"])
def test_posts_without_a_csrf_token_are_refused(personas, section, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["owner"])
    before = Revision.objects.count()
    response = client.post(
        reverse(f"playbook:{name}", args=[section.slug]),
        {"title": "x", "body": "x", "base_number": 1, "content": "x"},
    )
    assert response.status_code == 403
    assert Revision.objects.count() == before
    assert Section.objects.get(pk=section.pk).last_reviewed_at is None
