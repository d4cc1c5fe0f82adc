"""The whole playbook on paper: the print page (every section, contents, owners, review dates,
live figures with their as-of date), its PDF (text extracted and checked) and the Markdown
archive, built by the export task with a download link for whoever asked."""

import io
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from playbook import printing, services
from playbook.models import PlaybookExport, Section
from tests.metrics.factories import MetricRunFactory, MetricValueFactory

FIGURE = "{{ metric:win_rate period=2017-06 }}"


@pytest.fixture
def playbook_with_a_figure(db, personas, section):
    MetricValueFactory(run=MetricRunFactory(), key="win_rate", value="0.625")
    section = Section.objects.select_related("current_revision").get(pk=section.pk)
    services.save_revision(
        section=section,
        author=personas["owner"],
        title=section.title,
        body=f"Our win rate: {FIGURE}.\n\n![Map](/media/playbook/demo/icp-map.png)\n\n"
        "[Pricing](https://example.com/pricing)",
        change_note="figure",
        base_number=section.current_number,
    )


@pytest.mark.django_db
def test_the_print_page_has_every_section_contents_owners_and_live_figures(
    client_as, playbook_with_a_figure
):
    page = client_as("reader").get(reverse("playbook:print"))
    assert page.status_code == 200
    html = page.text
    for section in Section.objects.all():
        assert f'id="section-{section.slug}"' in html
        assert f'href="#section-{section.slug}"' in html
    assert "Owner: " in html and "Next review due" in html
    assert "62.5%" in html and "Live figures as of" in html
    assert "css/print.css" in html
    assert 'id="pb-export-pdf"' not in html  # readers print; exports are the champions'


@pytest.mark.django_db
def test_the_pdf_has_every_section_and_the_live_figure(playbook_with_a_figure, media_root):
    image = media_root / "playbook" / "demo" / "icp-map.png"
    image.parent.mkdir(parents=True)
    from tests.playbook.images import png_bytes

    image.write_bytes(png_bytes())
    reader = PdfReader(io.BytesIO(printing.pdf_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for section in Section.objects.all():
        assert section.title in text, section.title
    assert "62.5%" in text
    assert "https://example.com/pricing" in text  # links shown as addresses
    assert len(reader.pages) >= 11  # the cover and contents, then a page per section


@pytest.mark.django_db
def test_a_champion_exports_the_markdown_archive_and_downloads_it_when_told(
    client_as, playbook_with_a_figure, media_root, django_capture_on_commit_callbacks
):
    image = media_root / "playbook" / "demo" / "icp-map.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\x89PNG-bytes")
    champion = client_as("champion")
    with django_capture_on_commit_callbacks(execute=True):
        response = champion.post(reverse("playbook:export"), {"kind": "markdown"})
    made = PlaybookExport.objects.get()
    assert response["Location"] == reverse("playbook:export_detail", args=[made.pk])
    assert made.status == PlaybookExport.Status.SUCCEEDED
    [message] = mail.outbox
    assert message.to == ["champion@example.com"] and "ready" in message.subject
    assert f"/playbook/exports/{made.pk}/" in message.body

    detail = champion.get(reverse("playbook:export_detail", args=[made.pk])).text
    assert 'id="pb-export-download"' in detail
    download = champion.get(reverse("playbook:export_download", args=[made.pk]))
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert "03-target-audience.md" in names and "images/icp-map.png" in names
    assert len([n for n in names if n.endswith(".md")]) == 10
    text = archive.read("03-target-audience.md").decode()
    assert text.startswith("---\ntitle: Target audience\nowner: ")
    assert "![Map](images/icp-map.png)" in text and FIGURE in text

    assert (
        client_as("reader").get(reverse("playbook:export_download", args=[made.pk])).status_code
        == 403
    )


@pytest.mark.django_db
def test_an_unknown_export_kind_is_a_400(client_as):
    assert (
        client_as("champion").post(reverse("playbook:export"), {"kind": "docx"}).status_code == 400
    )
    assert not PlaybookExport.objects.exists()


DIAGRAM = (
    "```mermaid\nflowchart LR\n  A[Lead captured] --> B{Qualified}\n  B --> C[Handed to sales]\n```"
)
BROKEN = "```mermaid\nflowchart LR\n  A --> \n```"


def _pdf_text_with(section, personas, body: str) -> str:
    section = Section.objects.select_related("current_revision").get(pk=section.pk)
    services.save_revision(
        section=section,
        author=personas["owner"],
        title=section.title,
        body=body,
        change_note="diagram",
        base_number=section.current_number,
    )
    reader = PdfReader(io.BytesIO(printing.pdf_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.django_db
def test_the_pdf_draws_mermaid_diagrams_and_says_why_one_could_not_be(personas, section):
    # Drawn by headless Chromium: the labels are in the PDF, the source's arrows are not.
    text = _pdf_text_with(section, personas, f"{DIAGRAM}\n\nThen:\n\n{BROKEN}")
    assert "Lead captured" in text and "Handed to sales" in text
    assert "A[Lead captured]" not in text
    # The broken one keeps its source under the reason.
    assert "This diagram could not be drawn: Parse error" in text
    assert "flowchart LR A -->" in text


@pytest.mark.django_db
def test_without_chromium_the_pdf_shows_the_diagram_source_and_says_so(personas, section, settings):
    settings.PDF_CHROMIUM_PATH = "/nonexistent/chromium"
    text = _pdf_text_with(section, personas, DIAGRAM)
    assert "has no Chromium to draw diagrams" in text
    assert "A[Lead captured]" in text
