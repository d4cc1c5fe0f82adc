"""Every page in every language: each GET route of the route matrix, as each persona, over the
demo's data (a year of CRM records, the ten sections and their pages, reviews, findings).

Russian and Persian are written without Latin letters, so in those two any Latin word left on a
page is a string nobody marked for translation (or one the catalogue lacks): the test fails on
it, naming the page and the words. What users and the CRM wrote stays as written: templates put
it inside `translate="no"` elements, which the test skips, like scripts, styles and code.
Brands and standard acronyms (tests/i18n/terms.py) may stay Latin. Polish and Romanian use Latin
letters, so there the pages must render in that language; tests/i18n/test_catalogues.py proves
every message has its translation and every plural its forms.
"""

import re
from io import StringIO

import lxml.html
import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, override_settings

from metrics.models import (
    ActionItem,
    CrmConnection,
    DataFinding,
    Decision,
    ImportJob,
    MetricRun,
    WeeklyReview,
)
from playbook.models import Asset, Flag, PlaybookExport, Revision, Section
from tests.conftest import check_the_groups_rows, rows_kept_for_a_group_of_tests
from tests.i18n.terms import LATIN_TERMS
from tests.playbook.images import png_bytes
from tests.portal.test_route_matrix import ROUTES, SAMPLE_IMAGE, url_of

LATIN_SCRIPT_FREE = ("ru", "fa")
LATIN_SCRIPT = ("pl", "ro")
SECTION = "processes-and-workflows"  # the demo section with pages, diagrams and metric links
# Matrix personas → the demo's users (playbook/seeding.py); revops_manager is added here.
DEMO_USERS = {
    "reader": "reader",
    "owner": "sales",  # owns SECTION
    "other_owner": "marketing",
    "champion": "champion",
    "revops_manager": "revops_manager",
    "superuser": "manager",
}
# Pages: every GET route but files (downloads, CSV, JSON, uploaded images).
GET_ROUTES = sorted(
    name
    for name, rule in ROUTES.items()
    if rule.method == "GET" and not name.endswith(("_csv", "_json", "_download", "media"))
)

# Not read as text: code and scripts, and what users or the CRM wrote.
SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea", "svg", "math", "template"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
ALLOWED = re.compile(
    # Not inside a longer Latin word; Persian suffixes may follow ("MRRای").
    "|".join(
        rf"(?<![A-Za-z]){re.escape(term)}(?![A-Za-z])"
        for term in sorted(LATIN_TERMS, key=len, reverse=True)
    )
)
LATIN = re.compile(r"[A-Za-z]")


def untranslated(html: str) -> list[str]:
    """The texts (and readable attributes) of a page with Latin letters left, outside user data.

    A page's <title> and attributes cannot hold a `translate="no"` element, so there the user
    data the page marks elsewhere (a section's title, a connection's name) is taken out first."""
    root = lxml.html.document_fromstring(html)
    marked = {" ".join(e.text_content().split()) for e in root.iterfind(".//*[@translate='no']")}
    user_data = sorted((text for text in marked if text), key=len, reverse=True)
    found = []

    def check(text, *, may_quote_user_data=False):
        if not text:
            return
        left = " ".join(text.split())
        if may_quote_user_data:
            for data in user_data:
                left = left.replace(data, "")
        if LATIN.search(ALLOWED.sub("", left)):
            found.append(" ".join(text.split())[:80])

    def walk(element):
        if not isinstance(element.tag, str):  # comments, processing instructions
            return
        if element.tag in SKIPPED_TAGS or element.get("translate") == "no":
            return
        for attribute in READ_ATTRIBUTES:
            check(element.get(attribute), may_quote_user_data=True)
        if element.tag == "input" and element.get("type") in {"submit", "button", "reset"}:
            check(element.get("value"))
        check(element.text, may_quote_user_data=element.tag == "title")
        for child in element:
            walk(child)
            check(child.tail)

    walk(root)
    return found


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """seed_demo once, plus the rows the demo lacks (an import, a connection, a flag, an export),
    for every test of this module; returns the URL parameters and the users by persona."""
    root = tmp_path_factory.mktemp("i18n")
    with (
        override_settings(
            MEDIA_ROOT=root / "media",
            PRIVATE_ROOT=root / "private",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        rows_kept_for_a_group_of_tests(django_db_blocker),
    ):
        with override_settings(DEBUG=True):  # seed_demo refuses without; pages are served without
            call_command("seed_demo", stdout=StringIO())
        manager = User.objects.create_user("revops_manager", is_staff=True)
        manager.user_permissions.add(
            *Permission.objects.filter(codename__in=["add_metricrun", "add_importjob"])
        )
        users = {persona: User.objects.get(username=name) for persona, name in DEMO_USERS.items()}
        kwargs = sample_kwargs(root / "media", users["superuser"])
        check_the_groups_rows()
        yield users, kwargs


def sample_kwargs(media_root, superuser) -> dict:
    stored = media_root / "playbook" / "uploads" / SAMPLE_IMAGE
    stored.parent.mkdir(parents=True)
    stored.write_bytes(png_bytes())
    section = Section.objects.get(slug=SECTION)
    review = WeeklyReview.objects.order_by("-week").first()
    job = ImportJob.objects.create(
        kind="accounts",
        file="imports/known.csv",
        original_name="known.csv",
        status="succeeded",
        created_by=superuser,
    )
    connection = CrmConnection.objects.create(
        name="sample", crm="hubspot", auth="hubspot_token", kinds=["accounts"], owner=superuser
    )
    export = PlaybookExport.objects.create(kind="markdown", status="succeeded")
    export.file.save("sample.zip", ContentFile(b"PK"), save=True)
    default_storage.save("playbook/assets/sample.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return {
        "folder": "uploads",
        "name": SAMPLE_IMAGE,
        "slug": SECTION,
        "number": Revision.objects.filter(section=section).order_by("number").first().number,
        "key": "win_rate",
        "pk": MetricRun.objects.latest("pk").pk,
        "job_id": job.pk,
        "uidb64": "MQ",
        "token": "not-a-valid-token",
        "week": review.week,
        "item_id": ActionItem.objects.filter(review=review).first().pk,
        "decision_id": Decision.objects.filter(review=review).first().pk,
        "connection_id": connection.pk,
        "flag_id": Flag.objects.create(section=section, comment="Out of date").pk,
        "export_id": export.pk,
        "asset_id": Asset.objects.first().pk,
        "code": DataFinding.objects.filter(count__gt=0).first().code,
    }


def get_page(user, name: str, kwargs: dict, language: str):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client.get(url_of(name, kwargs) + ROUTES[name].query)


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html") and bool(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LATIN_SCRIPT_FREE)
@pytest.mark.parametrize("name", GET_ROUTES)
def test_no_english_is_left_on_any_page_for_any_persona(demo_site, name, language):
    users, kwargs = demo_site
    misses = {}
    for persona, user in {"anonymous": None, **users}.items():
        response = get_page(user, name, kwargs, language)
        if is_html(response):
            assert f'lang="{language}"' in response.text[:300], (name, persona)
            if left := untranslated(response.text):
                misses[persona] = sorted(set(left))
    assert not misses, f"{name} in {language}: untranslated text by persona: {misses}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", LATIN_SCRIPT)
@pytest.mark.parametrize("name", GET_ROUTES)
def test_every_page_renders_in_polish_and_romanian(demo_site, name, language):
    users, kwargs = demo_site
    for persona, user in {"anonymous": None, **users}.items():
        response = get_page(user, name, kwargs, language)
        assert response.status_code < 500, (name, persona)
        if is_html(response):
            assert f'lang="{language}"' in response.text[:300], (name, persona)


def test_the_check_finds_english_outside_user_data_only():
    page = """<html><head><title>Acme Inc · Сводка</title></head><body>
      <h1 translate="no">Acme Inc</h1><p>Выручка <b>MRR</b> за <i>March</i></p>
      <button title="Save">Сохранить</button><code>win_rate</code>
      <input type="submit" value="Log in"><span>CSV</span> HubSpot</body></html>"""
    assert untranslated(page) == ["March", "Save", "Log in"]
