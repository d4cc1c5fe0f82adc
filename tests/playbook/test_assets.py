"""The content-asset library (issue 13, section 5): files checked by their bytes and served
safely from the private storage, who manages, filters and grouping, the {{ assets }} shortcode,
and queries that don't grow with the number of assets."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playbook import asset_library
from playbook.markdown import render_markdown
from playbook.models import Asset
from tests.portal.query_budgets import assert_within_budget, page_queries

from .images import png_bytes

LIST_PAGE = "/playbook/assets/"  # its query budget is measured below
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office_file(member: str) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return data.getvalue()


def make_asset(title, *, stage="decision", kind="case_study", personas=(), pains=(), **extra):
    asset = Asset(
        title=title,
        stage=stage,
        kind=kind,
        link=f"https://example.com/{title.replace(' ', '-')}",
        **extra,
    )
    return asset_library.save_asset(asset=asset, personas=list(personas), pain_points=list(pains))


def post_new(client, **fields):
    data = {"title": "Harbor case study", "kind": "case_study", "stage": "decision", "link": ""}
    data.update(fields)
    return client.post("/playbook/assets/new/", data)


def stored_files():
    try:
        return default_storage.listdir("playbook/assets")[1]
    except FileNotFoundError:
        return []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("case.pdf", PDF, "application/pdf"),
        ("plan.docx", office_file("word/document.xml"),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("qbr.pptx", office_file("ppt/presentation.xml"),
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("roi.xlsx", office_file("xl/workbook.xml"),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("card.png", png_bytes(), "image/png"),
    ],
)  # fmt: skip
def test_allowed_files_are_stored_privately_with_the_type_their_bytes_show(
    client_as, name, data, content_type
):
    # The browser's claimed type is ignored: only the bytes count.
    upload = SimpleUploadedFile(name, data, content_type="text/html")
    response = post_new(client_as("owner"), upload=upload)
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.file_type == content_type and asset.link == ""
    assert asset.file.name.startswith("playbook/assets/") and len(stored_files()) == 1
    assert default_storage.open(asset.file.name).read() == data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 200),
        ("archive.docx", office_file("other/readme.xml")),  # a zip, not an office document
        ("empty.pdf", b""),
    ],
)
def test_other_files_are_refused_and_nothing_is_stored(client_as, name, data):
    response = post_new(client_as("owner"), upload=SimpleUploadedFile(name, data))
    assert response.status_code == 200
    assert response.context["form"].errors["upload"]
    assert not Asset.objects.exists() and stored_files() == []


@pytest.mark.django_db
def test_a_file_over_the_size_cap_is_refused(client_as, settings):
    settings.ASSET_UPLOAD_MAX_BYTES = 2048
    response = post_new(client_as("owner"), upload=SimpleUploadedFile("big.pdf", PDF * 100))
    assert response.status_code == 200 and "too large" in response.content.decode()
    assert not Asset.objects.exists() and stored_files() == []


@pytest.mark.django_db
def test_a_link_and_a_file_together_or_neither_are_refused(client_as):
    owner = client_as("owner")
    both = post_new(owner, link="https://example.com/x", upload=SimpleUploadedFile("a.pdf", PDF))
    neither = post_new(owner)
    script = post_new(owner, link="javascript:alert(1)")
    assert [both.status_code, neither.status_code, script.status_code] == [200, 200, 200]
    assert not Asset.objects.exists() and stored_files() == []


@pytest.mark.django_db
def test_documents_download_as_attachments_and_images_show_inline_never_sniffed(client_as):
    owner = client_as("owner")
    post_new(owner, title="Deck", upload=SimpleUploadedFile("../../QBR deck<script>.pdf", PDF))
    post_new(owner, title="Card", upload=SimpleUploadedFile("card.png", png_bytes()))
    reader = client_as("reader")
    pdf = reader.get(f"/playbook/assets/{Asset.objects.get(title='Deck').pk}/file/")
    png = reader.get(f"/playbook/assets/{Asset.objects.get(title='Card').pk}/file/")
    assert pdf.status_code == png.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="QBR_deckscript.pdf"'
    assert png["Content-Type"] == "image/png" and "attachment" not in png["Content-Disposition"]
    for response in (pdf, png):
        assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(pdf.streaming_content) == PDF


@pytest.mark.django_db
def test_a_link_asset_has_no_file_to_download(client_as):
    asset = make_asset("Harbor")
    assert client_as("reader").get(f"/playbook/assets/{asset.pk}/file/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "manages"),
    [
        ("reader", False),
        ("owner", True),  # owns Target audience, a Marketing section
        ("other_owner", False),  # owns Products and services (Sales)
        ("champion", True),
        ("manager", True),
    ],
)
def test_marketing_section_owners_and_the_champions_manage_everyone_reads(
    client_as, persona, manages
):
    existing = make_asset("Existing")
    client = client_as(persona)
    assert client.get("/playbook/assets/").status_code == 200
    created = post_new(client, title="New one", link="https://example.com/new")
    edited = client.post(
        f"/playbook/assets/{existing.pk}/edit/",
        {"title": "Renamed", "kind": "guide", "stage": "awareness", "link": existing.link},
    )
    assert (created.status_code, edited.status_code) == ((302, 302) if manages else (403, 403))
    assert Asset.objects.filter(title="New one").exists() == manages
    assert Asset.objects.filter(title="Renamed").exists() == manages
    deleted = client.post(f"/playbook/assets/{existing.pk}/delete/")
    assert deleted.status_code == (302 if manages else 403)
    assert Asset.objects.filter(pk=existing.pk).exists() != manages


@pytest.mark.django_db
def test_deleting_or_replacing_a_file_removes_the_old_one(
    client_as, django_capture_on_commit_callbacks
):
    owner = client_as("owner")
    post_new(owner, title="Deck", upload=SimpleUploadedFile("a.pdf", PDF))
    asset = Asset.objects.get()
    first = asset.file.name
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(
        f"/playbook/assets/{asset.pk}/edit/",
            {"title": "Deck", "kind": "case_study", "stage": "decision", "link": "",
             "upload": SimpleUploadedFile("b.png", png_bytes())},
        )  # fmt: skip
    asset.refresh_from_db()
    assert asset.file_type == "image/png" and stored_files() == [asset.file.name.split("/")[-1]]
    assert not default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/playbook/assets/{asset.pk}/delete/")
    assert stored_files() == []


@pytest.fixture
def library(db):
    make_asset("Harbor", personas=["Controller", "CFO"], pains=["Slow close"])
    make_asset("Keller", kind="testimonial", personas=["AP manager"], pains=["Vendor calls"])
    make_asset("Buyer guide", stage="consideration", kind="guide", personas=["Controller"])
    make_asset("Blog", stage="awareness", kind="blog_post", summary="month-end close tips")


def titles(response):
    return {
        group.label: [asset.title for asset in group.assets] for group in response.context["groups"]
    }


@pytest.mark.usefixtures("library")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Awareness": ["Blog"], "Consideration": ["Buyer guide"],
              "Decision": ["Harbor", "Keller"]}),
        ("?stage=decision", {"Decision": ["Harbor", "Keller"]}),
        ("?kind=guide", {"Consideration": ["Buyer guide"]}),
        ("?persona=controller", {"Consideration": ["Buyer guide"], "Decision": ["Harbor"]}),
        ("?pain_point=Vendor+calls", {"Decision": ["Keller"]}),
        ("?q=close", {"Awareness": ["Blog"], "Decision": ["Harbor"]}),  # summary, pain point
        ("?group=kind", {"Case study": ["Harbor"], "Testimonial": ["Keller"],
                         "Guide": ["Buyer guide"], "Blog post": ["Blog"]}),
        ("?group=persona&stage=decision", {"AP manager": ["Keller"], "CFO": ["Harbor"],
                                           "Controller": ["Harbor"]}),
        ("?group=pain_point&kind=guide", {"No pain point": ["Buyer guide"]}),
    ],
)  # fmt: skip
def test_the_list_filters_and_groups(client_as, query, expected):
    response = client_as("reader").get(f"/playbook/assets/{query}")
    assert response.status_code == 200
    assert titles(response) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["?stage=purchase", "?kind=podcast", "?group=owner", "?q=" + "x" * 201]
)
def test_unknown_or_oversized_filters_answer_400(client_as, query):
    assert client_as("reader").get(f"/playbook/assets/{query}").status_code == 400


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_3_or_40_assets(client_as):
    reader = client_as("reader")
    for n in range(3):
        make_asset(f"Asset {n}", personas=[f"P{n}"], pains=[f"Pain {n}"])
    few = page_queries(reader, LIST_PAGE)
    for n in range(3, 40):
        make_asset(f"Asset {n}", stage="awareness", personas=[f"P{n}"], pains=[f"Pain {n}"])
    many = page_queries(reader, LIST_PAGE)
    assert few == many
    assert_within_budget(LIST_PAGE, many)


@pytest.mark.usefixtures("library")
def test_the_assets_shortcode_embeds_the_grouped_list():
    html = render_markdown("Closing:\n\n{{ assets stage=decision group=persona }}\n")
    assert '<div class="asset-embed">' in html
    assert (
        '<h3><span translate="no" dir="auto">AP manager</span>' in html
        and "Keller" in html
        and "Blog" not in html
    )
    assert 'href="https://example.com/Harbor" rel="noopener noreferrer"' in html


@pytest.mark.usefixtures("library")
def test_a_shortcode_in_code_or_a_sentence_is_shown_as_typed_and_a_bad_one_warns():
    html = render_markdown(
        "`{{ assets }}` and inline {{ assets }} here.\n\n{{ assets stage=purchase }}\n\n"
        '{{ assets color="<b>red</b>" }}\n'
    )
    assert "asset-embed" not in html
    assert html.count("{{ assets }}") == 2
    assert "Unknown stage" in html and "unknown argument" in html
    assert "<b>red" not in html


@pytest.mark.usefixtures("library")
def test_shortcode_queries_do_not_grow_with_the_assets():
    with CaptureQueriesContext(connection) as few:
        render_markdown("{{ assets }}")
    for n in range(30):
        make_asset(f"More {n}", personas=["Controller"])
    with CaptureQueriesContext(connection) as many:
        render_markdown("{{ assets }}")
    assert len(few) == len(many) <= 2
    text = "\n\n".join(["{{ assets }}"] * 8)
    with CaptureQueriesContext(connection) as capped:
        html = render_markdown(text)
    assert len(capped) <= 2 * asset_library_lists() and "more than" in html


def asset_library_lists():
    from playbook.asset_shortcode import MAX_LISTS_PER_TEXT

    return MAX_LISTS_PER_TEXT
