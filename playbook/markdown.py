"""The one Markdown renderer: Markdown → HTML → nh3 allow-list.

Every template (``{{ text|render_markdown }}``), the live preview and
django-markdownx (``MARKDOWNX_MARKDOWNIFY_FUNCTION``) use ``render_markdown``.
This module (with ``playbook/templatetags/playbook_markdown.py``) is the only
place in the project allowed to call ``mark_safe``.

Pipeline::

    text ─► pre-processors ─► python-markdown ─► nh3 sanitiser ─► post-processors ─► HTML

Hook points for later steps (e.g. the dashboards' ``{{ metric:key ... }}`` shortcodes):

* ``register_preprocessor(fn)``: ``fn(text: str) -> str`` runs on the Markdown
  source before rendering. Whatever it emits is still sanitised.
* ``register_postprocessor(fn)``: ``fn(html: str) -> str`` runs on the
  *sanitised* HTML, so it may insert markup nh3 would strip (a metric card
  with classes). It is trusted code: it must escape every value it inserts
  (``django.utils.html.format_html``) and must not pass user text through
  unescaped. Shortcode text such as ``{{ metric:arr period="2025" }}`` reaches
  it unchanged inside the sanitised HTML (braces are plain text to Markdown).
"""

import re
from collections.abc import Callable

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

from revops_portal.kept.store import kept

Processor = Callable[[str], str]

_preprocessors: list[Processor] = []
_postprocessors: list[Processor] = []

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
}
# A fenced ```mermaid block keeps its language class: static/js/diagrams.js draws it from the
# (escaped) text; every other class is dropped.
ALLOWED_CLASSES = {"code": {"language-mermaid"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"
MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
MARKDOWN_EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


_URL_ATTRIBUTES = {"href", "src"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """Defence in depth after nh3's own scheme check: drop a URL whose scheme, read the way a
    lax browser might (whitespace and control characters removed), is not allowed."""
    if attribute in _URL_ATTRIBUTES:
        scheme = _SCHEME.match(_IGNORED_IN_URLS.sub("", value).lower())
        if scheme and scheme.group(1) not in URL_SCHEMES:
            return None
    return value


def register_preprocessor(fn: Processor) -> Processor:
    """Add a step that rewrites Markdown source before rendering. Usable as a decorator."""
    if fn not in _preprocessors:
        _preprocessors.append(fn)
    return fn


def register_postprocessor(fn: Processor) -> Processor:
    """Add a step that rewrites sanitised HTML (trusted code: escape what you insert)."""
    if fn not in _postprocessors:
        _postprocessors.append(fn)
    return fn


def sanitize_html(html: str) -> str:
    """Strip everything outside the allow-list: scripts, event handlers, styles, bad URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )


def _sanitised_html(text: str | None) -> str:
    """The first half of the pipeline: pre-processors, Markdown, nh3. Its output depends on
    the text alone (shortcodes are inert tokens here), so it can be kept."""
    source = text or ""
    for step in _preprocessors:
        source = step(source)
    html = _markdown.markdown(
        source,
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_EXTENSION_CONFIGS,
        output_format="html",
    )
    return sanitize_html(html)


def _finished(html: str) -> SafeString:
    """The second half: post-processors (live figures, read at each render)."""
    for step in _postprocessors:
        html = step(html)
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 in _sanitised_html; the one allowed place


def render_markdown(text: str | None) -> SafeString:
    """Render user Markdown to sanitised HTML, safe to insert into a page."""
    return _finished(_sanitised_html(text))


def sanitised_revision_html(revision) -> str:
    """A revision's body through Markdown and nh3, before the post-processors: kept by revision
    id (a new revision has a new id) and its text (a deleted row's id may come back on SQLite),
    since revisions never change once saved. Not by language or time zone: this half writes
    neither, so every reader shares one render (the figures and links, which do, are added
    after, per render)."""
    # The steps before the sanitiser by name (their code is in the store's fingerprint).
    steps = tuple(f"{fn.__module__}.{fn.__qualname__}" for fn in _preprocessors)
    return kept(
        "playbook:revision-html",
        (revision.pk, revision.body or "", steps),
        lambda: _sanitised_html(revision.body),
        localised=False,
    )


def render_revision(revision) -> SafeString:
    """A playbook revision's body as ``render_markdown`` renders it, without re-rendering its
    Markdown on every request (``sanitised_revision_html``). The post-processors still run at
    each render, so shortcodes show the latest figures and page links the latest titles."""
    return _finished(sanitised_revision_html(revision))
