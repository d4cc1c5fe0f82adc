"""Live metric figures in playbook Markdown: ``{{ metric:win_rate }}``,
``{{ metric:cac period=last_quarter channel=Referral }}``.

Arguments: ``period`` = ``last_month`` (the default) | ``last_week`` | ``last_quarter`` |
``last_year`` | a period code (``2017``, ``2017-Q2``, ``2017-06``, ``2017-W23``); one cut of ``segment=…``,
``channel=…``, ``industry=…``, ``owner=…`` or ``team=…`` (quote values with spaces:
``segment="Mid market"``), as the metric has it. ``last_*`` is the last complete period before today; when
the latest computation has no values there, its latest period of that kind (as the scorecard).

How it plugs into ``playbook.markdown.render_markdown`` (two hooks, registered in
``PlaybookConfig.ready``):

1. ``protect`` (pre-processor) swaps each shortcode for an inert token, letters and hex digits
   only (``MTRCSC<hex of the shortcode's text>CSRTM``), which Markdown and nh3 leave alone.
   Nothing is stored between the two steps, so renders never share state.
2. ``expand`` (post-processor, on the sanitised HTML) decodes every token of the page (the
   first ``MAX_SHORTCODES_PER_TEXT`` distinct ones; later ones become a warning), reads all
   their figures at once (a small bounded number of queries) and
   puts escaped HTML in their place: the value, its period and "as of" date, a link to the
   metric's page. A bad shortcode becomes ``<span class="shortcode-warning">``, never an error.
   Every value inserted goes through ``format_html``: shortcode text can't inject markup.

The figures are read through one metrics selector (`metrics.selectors.stored_figures`) and
shown through `metrics.presentation`. The playbook depends on metrics here; metrics knows
nothing of the playbook.
"""

import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metrics import catalog, cuts
from metrics.models import MetricRun
from metrics.params import BadRequest, OutOfRange, parse_period
from metrics.presentation import Figure, format_value, metric_url
from metrics.selectors import (
    FigureWanted,
    StoredFigures,
    latest_successful_run,
    run_cache_key,
    stored_figures,
)
from revops_portal.kept.store import kept

SHORTCODE = re.compile(r"\{\{\s*metric:([^\n]*?)\}\}")
TOKEN = re.compile(r"MTRCSC([0-9a-f]*)CSRTM")
# A tag of nh3's output, which quotes every attribute value with double quotes (so a ">"
# inside a value does not end the tag), and one of its attributes.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)?[^">]*(?:"[^"]*"[^">]*)*>')
_ATTRIBUTE = re.compile(r'([^\s="/]+)="([^"]*)"')
# A figure is a link in running text: inside a link (links can't nest) or in code, a shortcode
# is shown as typed.
_AS_TYPED_INSIDE = frozenset({"a", "code", "pre"})
_URL_ATTRIBUTES = frozenset({"href", "src"})
RUNNING, _AS_TYPED, _TAG_PLACE = "running", "as typed", "tag"
MAX_SHORTCODE_CHARS = 300
# Distinct shortcodes resolved in one text; later ones become a warning in place, so a text
# can't make one render read thousands of figures.
MAX_SHORTCODES_PER_TEXT = 100
RELATIVE = {
    "last_week": "week",
    "last_month": "month",
    "last_quarter": "quarter",
    "last_year": "year",
}
ARGUMENTS = ("period", *cuts.FILTER_KINDS)


class ShortcodeError(ValueError):
    """Why a shortcode can't be shown; the message is displayed inline (escaped)."""


def protect(text: str) -> str:
    """Pre-processor: each ``{{ metric:… }}`` becomes an inert token carrying its text."""
    return SHORTCODE.sub(lambda m: f"MTRCSC{m.group().encode().hex()}CSRTM", text)


def _inner(typed: str) -> str:
    """What a shortcode says between ``{{ metric:`` and ``}}``."""
    match = SHORTCODE.fullmatch(typed)
    if match is None:
        raise ShortcodeError(_("not a metric shortcode"))
    return match.group(1)


def parse(inner: str) -> FigureWanted:
    """Read ``win_rate period=2017-Q2 segment="Mid market"`` into the figure it asks for."""
    if len(inner) > MAX_SHORTCODE_CHARS:
        raise ShortcodeError(_("the shortcode is too long"))
    try:
        words = shlex.split(inner)
    except ValueError:
        raise ShortcodeError(_("unbalanced quotes in the arguments")) from None
    if not words:
        raise ShortcodeError(_("no metric key: write {{ metric:win_rate }}"))
    key, arguments = words[0], {}
    definition = catalog.get(key)
    if definition is None:
        raise ShortcodeError(_("unknown metric “%(key)s”") % {"key": key})
    for word in words[1:]:
        name, equals, value = word.partition("=")
        if not equals or name not in ARGUMENTS:
            raise ShortcodeError(
                _("unknown argument “%(argument)s” (use period= or one of %(cuts)s)")
                % {"argument": word, "cuts": ", ".join(k + "=" for k in cuts.FILTER_KINDS)}
            )
        if name in arguments:
            raise ShortcodeError(_("%(name)s= given twice") % {"name": name})
        if not value.strip():
            raise ShortcodeError(_("%(name)s= needs a value") % {"name": name})
        arguments[name] = value.strip()
    named = [kind for kind in cuts.FILTER_KINDS if kind in arguments]
    if len(named) > 1:
        raise ShortcodeError(
            _("give a %(first)s or a %(second)s, not both")
            % {"first": named[0], "second": named[1]}
        )
    for cut in named:
        if cut not in definition.cuts:
            raise ShortcodeError(
                _("%(metric)s can't be cut by %(cut)s") % {"metric": definition.name, "cut": cut}
            )
    try:
        cut = cuts.parse_from(arguments)
    except ValueError as exc:
        raise ShortcodeError(str(exc)) from None
    code = arguments.get("period", "last_month")
    if code in RELATIVE:
        return FigureWanted(key, cut, kind=RELATIVE[code])
    try:
        return FigureWanted(key, cut, period=parse_period(code))
    except OutOfRange as exc:
        raise ShortcodeError(
            _("bad period “%(code)s”: %(error)s") % {"code": code, "error": exc}
        ) from None
    except BadRequest:
        raise ShortcodeError(
            _(
                "bad period “%(code)s” (use last_week, last_month, last_quarter, last_year, "
                "2017, 2017-Q2, 2017-06 or 2017-W23)"
            )
            % {"code": code}
        ) from None


def _decode(hex_text: str) -> str:
    try:
        return bytes.fromhex(hex_text).decode()
    except ValueError:
        return ""


# Which run is the latest, read at most once for a whole page (``figures_of_one_reading``): a
# page that renders several texts, or a text and its cards, asks once (a page with no figures,
# never). Empty until the first text asks.
_read_for_page: ContextVar[list | None] = ContextVar("live_figures_read_for_page", default=None)


def _live_figures(today: date | None) -> tuple[str, MetricRun | None]:
    """What the figures of a text depend on besides the text, as a cache key part, and the
    run it names (one query): the latest successful run (``run_cache_key``: a succeeded run's
    values never change), today (``last_month`` and friends, the default periods), and the
    language, time zone and currency the figures and their "as of" dates are written in."""
    held = _read_for_page.get() if today is None else None
    if held:
        return held[0]
    run = latest_successful_run()
    parts = (
        f"run-{run_cache_key(run)}" if run else "no-run",
        (today or timezone.localdate()).isoformat(),
        translation.get_language() or "-",
        timezone.get_current_timezone_name(),
        settings.METRICS_CURRENCY,  # money is written in it
    )
    read = (":".join(parts), run)
    if held is not None:
        held.append(read)
    return read


@contextmanager
def figures_of_one_reading() -> Iterator[Callable[[], str]]:
    """``with figures_of_one_reading() as version:`` every text rendered inside reads which run
    is the latest once for all (one query, when one of them has figures); ``version()`` is the
    key part for what the page keeps from those figures itself (the Success metrics section's
    cards: a template calls it when it needs it)."""
    token = _read_for_page.set([])
    try:
        yield lambda: _live_figures(None)[0]
    finally:
        _read_for_page.reset(token)


def expand(html: str, *, today: date | None = None) -> str:
    """Post-processor: replace every token of one rendered text with its figure's HTML where
    running text allows one; in a tag's attributes, in a link's text and in code, put back the
    shortcode as it was typed (escaped; percent-encoded in a URL).

    The result is kept by the text and ``_live_figures`` (one query when kept): the
    same text with the same run, day, language and time zone shows the same figures."""
    if "MTRCSC" not in html:
        return html
    version, run = _live_figures(today)

    def make() -> tuple[str, int | None]:
        shown, read_from = _expanded(html, today=today)
        return shown, read_from.pk if read_from else None

    def names_no_newer_run(made: tuple[str, int | None]) -> bool:
        # A run that finished between the two reads: its figures are not kept under `version`.
        return made[1] is None or (run is not None and made[1] == run.pk)

    # Kept for a day at most: the key holds today's date.
    shown, _ = kept("playbook:shortcodes", (html, version), make, keep_if=names_no_newer_run)
    return shown


def _expanded(html: str, *, today: date | None) -> tuple[str, MetricRun | None]:
    """``expand``'s work, and the run whose figures it showed."""
    places = html_places(html)
    running = [token for kind, text in places if kind == RUNNING for token in TOKEN.findall(text)]
    figures, run = _figures_html(running, today=today)
    shown = []
    for kind, text in places:
        if kind == RUNNING:
            shown.append(TOKEN.sub(lambda m: figures[m.group(1)], text))
        elif kind == _AS_TYPED:
            shown.append(TOKEN.sub(lambda m: escape(_decode(m.group(1))), text))
        else:
            shown.append(_ATTRIBUTE.sub(_attribute_as_typed, text))
    return "".join(shown), run


def html_places(html: str) -> list[tuple[str, str]]:
    """The sanitised HTML cut into tags and texts; a text is running text, or shown as typed
    inside a link (links can't nest) or code. Used by every post-processor that turns text
    into links (these figures, ``playbook.page_links``)."""
    places, inside, position = [], 0, 0

    def text_until(end):
        if end > position:
            places.append((RUNNING if not inside else _AS_TYPED, html[position:end]))

    for tag in _TAG.finditer(html):
        text_until(tag.start())
        places.append((_TAG_PLACE, tag.group()))
        if (tag.group(2) or "").lower() in _AS_TYPED_INSIDE:
            inside = max(inside - 1, 0) if tag.group(1) else inside + 1
        position = tag.end()
    text_until(len(html))
    return places


def _attribute_as_typed(match: re.Match) -> str:
    name, value = match.groups()
    if "MTRCSC" not in value:
        return match.group()
    if name.lower() in _URL_ATTRIBUTES:
        value = TOKEN.sub(lambda m: quote(_decode(m.group(1)), safe=""), value)
    else:
        value = TOKEN.sub(lambda m: escape(_decode(m.group(1))), value)
    return f'{name}="{value}"'


def _figures_html(
    tokens: list[str], *, today: date | None
) -> tuple[dict[str, str], MetricRun | None]:
    """Each distinct token's HTML: its figure, or a warning (at most MAX_SHORTCODES_PER_TEXT
    figures; the rest are warnings); and the run the figures came from."""
    parsed: dict[str, FigureWanted | ShortcodeError] = {}
    too_many = ShortcodeError(
        ngettext(
            "more than %(count)s metric shortcode in one text; this one is not shown",
            "more than %(count)s metric shortcodes in one text; this one is not shown",
            MAX_SHORTCODES_PER_TEXT,
        )
        % {"count": MAX_SHORTCODES_PER_TEXT}
    )
    for token in tokens:
        if token in parsed:
            continue
        if len(parsed) >= MAX_SHORTCODES_PER_TEXT:
            parsed[token] = too_many
            continue
        try:
            parsed[token] = parse(_inner(_decode(token)))
        except ShortcodeError as error:
            parsed[token] = error
    wanted = {item for item in parsed.values() if isinstance(item, FigureWanted)}
    # One read for every figure of the text (a small bounded number of queries).
    found = stored_figures(wanted, today=today) if wanted else None
    html = {
        token: _warning(item) if isinstance(item, ShortcodeError) else _figure_html(item, found)
        for token, item in parsed.items()
    }
    return html, found.run if found else None


def _figure_html(wanted: FigureWanted, found: StoredFigures) -> str:
    definition = catalog.BY_KEY[wanted.key]
    cut = wanted.cut
    if found.run is None:
        return format_html(
            '<span class="metric-figure"><a href="{}" title="{}">—</a> '
            '<span class="muted">({})</span></span>',
            metric_url(definition.key, cut=cut),
            definition.name,
            _("no figures computed yet"),
        )
    period = found.periods[wanted]
    figure = Figure.from_row(definition, period, found.row(wanted))
    where = period.label() if cut.is_all else f"{period.label()}, {cut.label()}"
    as_of = timezone.localtime(found.run.finished_at).date().isoformat()
    url = metric_url(definition.key, period=period, cut=cut)
    if figure.missing_reason:
        note = _("%(where)s: %(missing)s; as of %(date)s") % {
            "where": where,
            "missing": figure.missing_reason,
            "date": as_of,
        }
        return format_html(
            '<span class="metric-figure"><a href="{}" title="{}">—</a> '
            '<span class="muted">({})</span></span>',
            url,
            definition.name,
            note,
        )
    note = _("%(where)s; as of %(date)s") % {"where": where, "date": as_of}
    return format_html(
        '<span class="metric-figure"><a href="{}" title="{}">{}</a> '
        '<span class="muted">({})</span></span>',
        url,
        definition.name,
        format_value(figure.value, definition.unit),
        note,
    )


def _warning(error: ShortcodeError) -> str:
    return format_html(
        '<span class="shortcode-warning">{}</span>',
        _("metric shortcode: %(error)s") % {"error": error},
    )
