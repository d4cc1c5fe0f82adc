"""The whole playbook on paper and in files: the print page's content, its PDF (WeasyPrint,
server-side, no network: images and styles are read from disk), and a Markdown archive (one
file per section and its images). Exports are built by a Celery task (playbook.tasks)."""

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics import queueing
from metrics.selectors import latest_successful_run
from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify
from revops_portal.profiles.languages import in_language_of

from .diagram_images import svg_data, with_drawn_diagrams
from .markdown import render_markdown, render_revision
from .models import PlaybookExport, Section
from .page_links import known_titles
from .selectors import review_due_at, sections_with_people
from .shortcodes import figures_of_one_reading
from .templatetags.playbook_people import person
from .uploads import image_storage, served_image

BUILD_EXPORT = "playbook.tasks.build_export"
IMAGE_LINK = re.compile(r"/media/playbook/(?P<folder>[a-z]+)/(?P<name>[A-Za-z0-9._-]+)")


@dataclass
class PrintedSection:
    section: Section
    html: SafeString
    due_at: datetime


def printed_sections() -> list[PrintedSection]:
    """Every section in order, each followed by its pages, with its current text rendered (live
    figures included)."""
    sections = list(sections_with_people().in_outline_order())
    # Page links ([[slug]]) take their titles from these rows, and every section's figures
    # come from one reading of which run is the latest: no query per section.
    titles = {section.slug: section.title for section in sections}
    with known_titles(titles), figures_of_one_reading():
        return [
            PrintedSection(
                section=section,
                # The kept HTML of each revision (render_revision): the sections' Markdown
                # isn't rendered again on every request.
                html=(
                    render_revision(section.current_revision)
                    if section.current_revision
                    else render_markdown("")
                ),
                due_at=review_due_at(section),
            )
            for section in sections
        ]


def print_context() -> dict:
    run = latest_successful_run()
    return {
        "printed": printed_sections(),
        "figures_as_of": run.finished_at if run else None,
        "printed_at": timezone.now(),
    }


# --- PDF -------------------------------------------------------------------------------------


def _local_file(url: str) -> tuple[str, str] | None:
    """(path on disk, content type) for the print page's own static files and images."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url).split("?")[0]
    if path.startswith(settings.STATIC_URL):
        name = path[len(settings.STATIC_URL) :]
        found = finders.find(name)
        if not found and staticfiles_storage.exists(name):
            found = staticfiles_storage.path(name)
        kind = "text/css" if name.endswith(".css") else "image/svg+xml"
        return (found, kind) if found else None
    match = IMAGE_LINK.fullmatch(path)
    served = served_image(match["folder"], match["name"]) if match else None
    if served and image_storage().exists(served[0]):
        return image_storage().path(served[0]), served[1]
    return None


def _local_fetcher():
    """WeasyPrint's fetcher for our PDFs: our own files from disk, nothing from the network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            svg = svg_data(url)
            if svg is not None:  # a diagram drawn for this PDF (diagram_images)
                return URLFetcherResponse(url, body=svg, headers={"Content-Type": "image/svg+xml"})
            found = _local_file(url)
            if found is None:
                raise ValueError(f"Not fetched for the PDF: {url}")
            path, content_type = found
            with open(path, "rb") as handle:
                body = handle.read()
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    return LocalFilesOnly()


def pdf_bytes() -> bytes:
    from weasyprint import HTML  # imported here: Pango is loaded only by what makes PDFs

    html = render_to_string("playbook/print.html", {**print_context(), "for_pdf": True})
    html = with_drawn_diagrams(html)
    return HTML(string=html, base_url=settings.SITE_URL, url_fetcher=_local_fetcher()).write_pdf()


# --- Markdown archive ------------------------------------------------------------------------


def _front_matter(section: Section) -> str:
    revision = section.current_revision
    reviewed = f"{section.last_reviewed_at:%Y-%m-%d}" if section.last_reviewed_at else "never"
    return (
        f"---\ntitle: {section.title}\nowner: {person(section.owner)}\n"
        f"revision: {revision.number if revision else 0}\nlast_reviewed: {reviewed}\n"
        f"review_due: {review_due_at(section):%Y-%m-%d}\n---\n\n"
    )


def markdown_zip_bytes() -> bytes:
    """One ``NN-slug.md`` per section (front matter + its Markdown, image links pointing into
    ``images/``) and the images it shows."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        added = set()
        for section in sections_with_people().in_outline_order():
            body = section.current_revision.body if section.current_revision else ""
            for match in IMAGE_LINK.finditer(body):
                found = _local_file(match.group(0))
                name = PurePosixPath(match["name"]).name
                if found and name not in added:
                    archive.write(found[0], f"images/{name}")
                    added.add(name)
            body = IMAGE_LINK.sub(lambda m: f"images/{m['name']}", body)
            archive.writestr(
                "-".join(f"{n:02d}" for n in section.outline_key if n) + f"-{section.slug}.md",
                _front_matter(section) + body,
            )
    return buffer.getvalue()


# --- Exports (a Celery task builds them) -----------------------------------------------------


def request_export(*, kind: str, requested_by) -> PlaybookExport:
    """Queue an export; the task starts once this transaction commits."""
    export = PlaybookExport(kind=kind, requested_by=requested_by)
    export.full_clean()
    export.save()
    queueing.enqueue_on_commit(BUILD_EXPORT, PlaybookExport, export.pk)
    return export


def build_export(*, export_id: int) -> None:
    """Build the file and tell the requester; a built export is never built again."""
    with transaction.atomic():
        export = PlaybookExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status == PlaybookExport.Status.SUCCEEDED:
            return
        PlaybookExport.objects.filter(pk=export_id).update(status=PlaybookExport.Status.RUNNING)
    try:
        if export.kind == PlaybookExport.Kind.PDF:
            with in_language_of(export.requested_by):  # its headings in the requester's language
                data = pdf_bytes()
        else:
            data = markdown_zip_bytes()
    except Exception as exc:
        PlaybookExport.objects.filter(pk=export_id).update(
            status=PlaybookExport.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    export.file.save(export.download_name, ContentFile(data), save=False)
    PlaybookExport.objects.filter(pk=export_id).update(
        file=export.file.name, status=PlaybookExport.Status.SUCCEEDED, finished_at=timezone.now()
    )
    notify(  # in the requester's language: notify calls the subject per recipient
        recipients=[export.requested_by],
        kind=kinds.EXPORT_READY,
        key=f"export:{export.pk}",
        subject=lambda: (
            _("Playbook: your %(format)s is ready") % {"format": export.get_kind_display()}
        ),
        body=gettext_lazy(
            "Download it from the portal (the link works for you and the champions)."
        ),
        url=reverse("playbook:export_detail", args=[export.pk]),
    )
