"""The content-asset list inside playbook Markdown: ``{{ assets }}``, ``{{ assets stage=decision }}``,
``{{ assets persona="Corporate Controller" group=kind }}``.

Arguments are the library's filters (``stage``, ``kind``, ``persona``, ``pain_point``, ``q``)
and ``group`` (``stage``, the default, ``kind``, ``persona`` or ``pain_point``). Like the metric
shortcodes (``playbook/shortcodes.py``), two hooks of ``render_markdown``: ``protect`` turns each
shortcode into an inert token (letters and hex digits) before Markdown; ``expand`` replaces a
token that is a paragraph of its own with the grouped list (rendered by the library's own
template, autoescaped) and puts any other token back as the text typed, escaped. A bad
shortcode becomes a warning in place.
"""

import re
import shlex

from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import asset_library

SHORTCODE = re.compile(r"\{\{\s*assets\b([^\n{}]*)\}\}")
TOKEN = re.compile(r"ASSTSC([0-9a-f]*)CSTSSA")
BLOCK_TOKEN = re.compile(r"<p>\s*ASSTSC([0-9a-f]*)CSTSSA\s*</p>")
ARGUMENTS = ("stage", "kind", "persona", "pain_point", "q", "group")
MAX_SHORTCODE_CHARS = 300
# Lists drawn for one text; later shortcodes become a warning (each list is two queries).
MAX_LISTS_PER_TEXT = 5


class AssetShortcodeError(ValueError):
    pass


def protect(text: str) -> str:
    return SHORTCODE.sub(lambda m: f"ASSTSC{m.group().encode().hex()}CSTSSA", text)


def _decode(hex_text: str) -> str:
    try:
        return bytes.fromhex(hex_text).decode()
    except ValueError:
        return ""


def parse(typed: str) -> asset_library.AssetFilters:
    match = SHORTCODE.fullmatch(typed)
    inner = match.group(1) if match else ""
    if len(inner) > MAX_SHORTCODE_CHARS:
        raise AssetShortcodeError(_("the shortcode is too long"))
    try:
        words = shlex.split(inner)
    except ValueError:
        raise AssetShortcodeError(_("unbalanced quotes in the arguments")) from None
    arguments = {}
    for word in words:
        name, equals, value = word.partition("=")
        if not equals or name not in ARGUMENTS:
            raise AssetShortcodeError(
                _("unknown argument “%(argument)s” (use %(arguments)s)")
                % {"argument": word, "arguments": ", ".join(a + "=" for a in ARGUMENTS)}
            )
        arguments[name] = value
    try:
        return asset_library.parse_filters(arguments)
    except asset_library.BadFilter as bad:
        raise AssetShortcodeError(str(bad)) from None


def _list_html(filters: asset_library.AssetFilters) -> str:
    groups = asset_library.grouped_assets(filters)
    return render_to_string(
        "playbook/assets/_groups.html",
        {"groups": groups, "group_by": filters.group, "filters": filters, "heading": 3},
    )


def _warning(message: str) -> str:
    return format_html(
        '<p class="shortcode-warning">{}</p>',
        _("assets shortcode: %(error)s") % {"error": message},
    )


def expand(html: str) -> str:
    if "ASSTSC" not in html:
        return html
    drawn = 0

    def block(match: re.Match) -> str:
        nonlocal drawn
        try:
            filters = parse(_decode(match.group(1)))
        except AssetShortcodeError as error:
            return _warning(str(error))
        if drawn >= MAX_LISTS_PER_TEXT:
            return _warning(
                ngettext(
                    "more than %(count)s asset list in one text",
                    "more than %(count)s asset lists in one text",
                    MAX_LISTS_PER_TEXT,
                )
                % {"count": MAX_LISTS_PER_TEXT}
            )
        drawn += 1
        return f'<div class="asset-embed">{_list_html(filters)}</div>'

    html = BLOCK_TOKEN.sub(block, html)
    # Anywhere else (inside a sentence, a link, code, an attribute): the text as typed.
    return TOKEN.sub(lambda m: escape(_decode(m.group(1))), html)
