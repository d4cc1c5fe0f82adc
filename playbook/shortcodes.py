"""Live metric figures in playbook Markdown: ``{{ metric:win_rate }}``,
``{{ metric:cac period=last_quarter channel=Referral }}``.

Arguments: ``period`` = ``last_month`` (the default) | ``last_quarter`` | ``last_year`` | a period
code (``2017``, ``2017-Q2``, ``2017-06``); ``segment=…`` or ``channel=…`` (quote values with
spaces: ``segment="Mid market"``). ``last_*`` is the last complete period before today; when
the latest computation has no values there, its latest period of that kind (as the scorecard).

How it plugs into ``playbook.markdown.render_markdown`` (two hooks, registered there):

1. ``protect`` (pre-processor) swaps each shortcode for an inert token, letters and hex digits
   only (``MTRCSC<hex of the shortcode's text>CSRTM``), which Markdown and nh3 leave alone.
   Nothing is stored between the two steps, so renders never share state.
2. ``expand`` (post-processor, on the sanitised HTML) decodes every token of the page, reads all
   their figures at once (a fixed number of queries, whatever the number of shortcodes) and
   puts escaped HTML in their place: the value, its period and "as of" date, a link to the
   metric's page. A bad shortcode becomes ``<span class="shortcode-warning">``, never an error.
   Every value inserted goes through ``format_html``: shortcode text can't inject markup.

The playbook depends on metrics here; metrics knows nothing of the playbook.
"""

import operator
import re
import shlex
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html

SHORTCODE = re.compile(r"\{\{\s*metric:([^\n]*?)\}\}")
TOKEN = re.compile(r"MTRCSC([0-9a-f]*)CSRTM")
MAX_SHORTCODE_CHARS = 300
RELATIVE = {"last_month": "month", "last_quarter": "quarter", "last_year": "year"}
ARGUMENTS = ("period", "segment", "channel")


class ShortcodeError(ValueError):
    """Why a shortcode can't be shown; the message is displayed inline (escaped)."""


@dataclass(frozen=True)
class Shortcode:
    key: str
    period_code: str = "last_month"
    segment: str = ""
    channel: str = ""


def protect(text: str) -> str:
    """Pre-processor: each ``{{ metric:… }}`` becomes an inert token carrying its text."""
    return SHORTCODE.sub(lambda m: f"MTRCSC{m.group(1).encode().hex()}CSRTM", text)


def parse(inner: str) -> Shortcode:
    """Read ``win_rate period=2017-Q2 segment="Mid market"`` into a Shortcode, or raise."""
    from metrics import catalog

    if len(inner) > MAX_SHORTCODE_CHARS:
        raise ShortcodeError("the shortcode is too long")
    try:
        words = shlex.split(inner)
    except ValueError:
        raise ShortcodeError("unbalanced quotes in the arguments") from None
    if not words:
        raise ShortcodeError("no metric key: write {{ metric:win_rate }}")
    key, arguments = words[0], {}
    definition = catalog.get(key)
    if definition is None:
        raise ShortcodeError(f"unknown metric “{key}”")
    for word in words[1:]:
        name, equals, value = word.partition("=")
        if not equals or name not in ARGUMENTS:
            raise ShortcodeError(f"unknown argument “{word}” (use period=, segment= or channel=)")
        if name in arguments:
            raise ShortcodeError(f"{name}= given twice")
        if not value.strip():
            raise ShortcodeError(f"{name}= needs a value")
        arguments[name] = value.strip()
    if "segment" in arguments and "channel" in arguments:
        raise ShortcodeError("give a segment or a channel, not both")
    for cut in ("segment", "channel"):
        if cut in arguments and cut not in definition.cuts:
            raise ShortcodeError(f"{definition.name} can't be cut by {cut}")
    code = arguments.get("period", "last_month")
    if code not in RELATIVE:
        _explicit_period(code)
    return Shortcode(key, code, arguments.get("segment", ""), arguments.get("channel", ""))


def _explicit_period(code: str):
    from metrics.dashboards import BadRequest, parse_period

    try:
        return parse_period(code)
    except BadRequest:
        raise ShortcodeError(
            f"bad period “{code}” (use last_month, last_quarter, last_year, 2017, 2017-Q2 or 2017-06)"
        ) from None


def _decode(hex_text: str) -> str:
    try:
        return bytes.fromhex(hex_text).decode()
    except ValueError:
        return ""


def expand(html: str, *, today: date | None = None) -> str:
    """Post-processor: replace every token of one rendered text with its figure's HTML."""
    found = TOKEN.findall(html)
    if not found:
        return html
    parsed: dict[str, Shortcode | ShortcodeError] = {}
    for hex_text in found:
        if hex_text not in parsed:
            try:
                parsed[hex_text] = parse(_decode(hex_text))
            except ShortcodeError as error:
                parsed[hex_text] = error
    figures = _resolve([s for s in parsed.values() if isinstance(s, Shortcode)], today=today)
    rendered = {
        hex_text: _warning(item)
        if isinstance(item, ShortcodeError)
        else _figure_html(item, figures)
        for hex_text, item in parsed.items()
    }
    return TOKEN.sub(lambda m: rendered[m.group(1)], html)


@dataclass
class _Resolved:
    run: object
    periods: dict  # period code → Period
    rows: dict  # (key, period start, period end, cut kind, cut value) → MetricValue


def _cut(shortcode: Shortcode):
    from metrics import cuts

    return cuts.parse(segment=shortcode.segment, channel=shortcode.channel)


def _resolve(shortcodes: list[Shortcode], *, today: date | None) -> _Resolved:
    """Every figure the shortcodes ask for, read with a fixed number of queries."""
    from metrics import dashboards
    from metrics.models import MetricValue

    run = dashboards.latest_run()
    resolved = _Resolved(run, {}, {})
    if run is None or not shortcodes:
        return resolved
    today = today or timezone.localdate()
    for code in {s.period_code for s in shortcodes}:
        if code in RELATIVE:
            resolved.periods[code] = dashboards.default_period(run, RELATIVE[code], today=today)
        else:
            resolved.periods[code] = dashboards.parse_period(code)
    wanted = []
    for shortcode in shortcodes:
        period, cut = resolved.periods[shortcode.period_code], _cut(shortcode)
        wanted.append(
            Q(
                key=shortcode.key,
                period_start=period.start,
                period_end=period.end,
                cut_kind=cut.kind,
                cut_value=cut.value,
            )
        )
    for row in MetricValue.objects.filter(reduce(operator.or_, wanted), run=run):
        resolved.rows[(row.key, row.period_start, row.period_end, row.cut_kind, row.cut_value)] = (
            row
        )
    return resolved


def _figure_html(shortcode: Shortcode, resolved: _Resolved) -> str:
    from metrics import catalog, dashboards

    definition = catalog.BY_KEY[shortcode.key]
    cut = _cut(shortcode)
    if resolved.run is None:
        return format_html(
            '<span class="metric-figure"><a href="{}" title="{}">—</a> '
            '<span class="muted">(no figures computed yet)</span></span>',
            dashboards.metric_url(definition.key, cut=cut),
            definition.name,
        )
    period = resolved.periods[shortcode.period_code]
    row = resolved.rows.get((definition.key, period.start, period.end, cut.kind, cut.value))
    figure = dashboards.Figure.from_row(definition, period, row)
    where = period.label() if cut.is_all else f"{period.label()}, {cut.label()}"
    as_of = timezone.localtime(resolved.run.finished_at).date().isoformat()
    url = dashboards.metric_url(definition.key, period=period, cut=cut)
    if figure.missing_reason:
        return format_html(
            '<span class="metric-figure"><a href="{}" title="{}">—</a> '
            '<span class="muted">({}: {}; as of {})</span></span>',
            url,
            definition.name,
            where,
            figure.missing_reason,
            as_of,
        )
    return format_html(
        '<span class="metric-figure"><a href="{}" title="{}">{}</a> '
        '<span class="muted">({}; as of {})</span></span>',
        url,
        definition.name,
        dashboards.format_value(figure.value, definition.unit),
        where,
        as_of,
    )


def _warning(error: ShortcodeError) -> str:
    return format_html('<span class="shortcode-warning">metric shortcode: {}</span>', str(error))
