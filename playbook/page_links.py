"""Links between sections and pages. ``[[handoff-to-cs]]`` renders as a link to the section or
page with that slug, shown with its title (``[[handoff-to-cs|the handoff]]`` with other words);
plain Markdown links (``/playbook/lead-capture/``, ``../lead-capture/``) work as any link.
Both kinds are checked (``broken_links``): a link to no section or page, or to no address of
the portal, is listed for the owner when they save and on the page and their own queue.

``expand`` is a post-processor of ``playbook.markdown`` (registered in ``PlaybookConfig``): it
runs on the sanitised HTML, in running text only (not in code, so a Mermaid ``A[[step]]`` stays
as typed, nor inside a link), and inserts escaped HTML only.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .markdown import sanitised_revision_html
from .models import Section
from .shortcodes import RUNNING, html_places

WIKI_LINK = re.compile(r"\[\[([a-z0-9][a-z0-9-]{0,79})(?:\|([^\[\]\n]{1,200}))?\]\]")
_HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')  # nh3 quotes every attribute with "

# slug -> title of every section and page, when the caller read them already (the print page):
# then rendering many texts reads nothing more.
_known_titles: ContextVar[dict[str, str] | None] = ContextVar("known_titles", default=None)


@contextmanager
def known_titles(titles: dict[str, str]) -> Iterator[None]:
    token = _known_titles.set(titles)
    try:
        yield
    finally:
        _known_titles.reset(token)


def _titles(slugs: set[str]) -> dict[str, str]:
    known = _known_titles.get()
    if known is not None:
        return {slug: known[slug] for slug in slugs if slug in known}
    return dict(Section.objects.filter(slug__in=slugs).values_list("slug", "title"))


def _wiki_slugs(places) -> set[str]:
    return {
        m.group(1) for kind, text in places if kind == RUNNING for m in WIKI_LINK.finditer(text)
    }


def expand(html: str) -> str:
    """Post-processor: each ``[[slug]]`` in running text becomes a link (one query a text)."""
    if "[[" not in html:  # most texts: not worth cutting into places
        return html
    places = html_places(html)
    slugs = _wiki_slugs(places)
    if not slugs:
        return html
    titles = _titles(slugs)

    def link(match) -> str:
        slug, label = match.group(1), match.group(2)
        if slug not in titles:
            return format_html(
                '<span class="pb-broken-link" title="{}">{}</span>',
                _("No section or page “%(slug)s”") % {"slug": slug},
                unescape(match.group(0)),
            )
        shown = unescape(label).strip() if label else titles[slug]
        return format_html('<a href="{}">{}</a>', reverse("playbook:section", args=[slug]), shown)

    return "".join(WIKI_LINK.sub(link, text) if kind == RUNNING else text for kind, text in places)


@dataclass(frozen=True)
class BrokenLink:
    target: str  # as written: "[[slug]]" or the link's address
    reason: str


def _internal_path(href: str, base: str) -> str | None:
    """The portal path a link leads to (relative links read from ``base``); None if it leads
    elsewhere (another site, mail)."""
    parts = urlsplit(urljoin(base, href))
    if parts.scheme or parts.netloc:
        site = urlsplit(settings.SITE_URL)
        if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
            return None
    return parts.path or base


@dataclass(frozen=True)
class _Link:
    written: str  # the address as written
    path: str  # where it leads in the portal
    route: str | None  # the portal's route for it ("playbook:section"...), None: no such address
    slug: str | None  # the section or page it names, if any


def _portal_links(html: str, base: str) -> list[_Link]:
    links = []
    for kind, text in html_places(html):
        if kind == RUNNING:
            continue
        for href in _HREF.findall(text):
            written = unescape(href)
            path = _internal_path(written, base)
            if path is None:
                continue
            try:
                match = resolve(path)
            except Resolver404:
                links.append(_Link(written, path, None, None))
                continue
            slug = match.kwargs.get("slug") if match.namespace == "playbook" else None
            links.append(_Link(written, path, match.view_name, slug))
    return links


def broken_links(documents: Iterable[Section]) -> dict[int, list[BrokenLink]]:
    """For each section or page (by id): the links of its current revision that lead nowhere.
    One query for all of them (the slugs they name), whatever their number."""
    found = {}
    for document in documents:
        revision = document.current_revision
        html = sanitised_revision_html(revision) if revision else ""
        wiki = sorted(_wiki_slugs(html_places(html)))
        found[document.pk] = (wiki, _portal_links(html, f"/playbook/{document.slug}/"))
    named = {slug for wiki, links in found.values() for slug in wiki}
    named |= {link.slug for _, links in found.values() for link in links if link.slug}
    existing = set(Section.objects.filter(slug__in=named).values_list("slug", flat=True))
    report = {}
    for pk, (wiki, links) in found.items():
        broken = [
            BrokenLink(f"[[{slug}]]", _("no section or page “%(slug)s”") % {"slug": slug})
            for slug in wiki
            if slug not in existing
        ]
        for link in links:
            if link.route is None:
                broken.append(BrokenLink(link.written, _("no such address in the portal")))
            elif link.slug is not None and link.slug not in existing:
                reason = _("no section or page “%(slug)s”") % {"slug": link.slug}
                broken.append(BrokenLink(link.written, reason))
        report[pk] = broken
    return report
