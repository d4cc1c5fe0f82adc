"""What a metrics page asks for in its query string: a period (or a period kind), a cut, a run.

Every bad value raises `BadRequest` with a short message for the user (the views answer 400);
a period must lie in `periods.plausible_range()`, the one bound on dates in the app.
"""

from collections.abc import Mapping

from django.utils.translation import gettext as _

from . import cuts, selectors
from .cuts import Cut
from .models import MetricRun
from .periods import MONTH, STANDARD_KINDS, Period, parse, plausible_range

# The longest period code there is: 2017-01-01..2017-07-01 (longer text is not read at all).
MAX_PERIOD_CHARS = 22
# How much of a bad value a message repeats.
_SHOWN_CHARS = 40


class BadRequest(ValueError):
    """A query parameter that can't be honoured; the message is shown to the user."""


class OutOfRange(BadRequest):
    """A well-formed period outside the plausible range: no figure can exist for it."""


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…")


def parse_period(code: str | None, *, kind: str | None = None) -> Period | None:
    """A week/month/quarter/year code from a URL, or None when absent. Raises BadRequest."""
    if kind and kind not in STANDARD_KINDS:
        raise BadRequest(
            _("Unknown period kind %(kind)s: use week, month, quarter or year.")
            % {"kind": _shown(kind)}
        )
    if not code:
        return None
    if len(code) > MAX_PERIOD_CHARS:
        raise BadRequest(
            _("%(code)s is not a period. Use 2017-W23, 2017-06, 2017-Q2 or 2017.")
            % {"code": _shown(code)}
        )
    try:
        period = parse(code)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if period.kind not in STANDARD_KINDS:
        raise BadRequest(
            _(
                "Figures are stored per week, month, quarter and year: "
                "use 2017-W23, 2017-06, 2017-Q2 or 2017."
            )
        )
    earliest, latest = plausible_range()
    if period.end <= earliest or period.start > latest:
        first, last = (Period.containing(day, period.kind).code() for day in (earliest, latest))
        raise OutOfRange(
            _("No figures can exist for %(period)s: periods run from %(first)s to %(last)s.")
            % {"period": period.code(), "first": first, "last": last}
        )
    return period


def parse_cut(params: Mapping[str, str]) -> Cut:
    try:
        return cuts.parse_from(params)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def period_and_cut(params: Mapping[str, str], run: MetricRun | None) -> tuple[Period, Cut]:
    """The period and cut asked for (defaults filled in: the run's last complete month)."""
    cut = parse_cut(params)
    kind = params.get("kind") or None
    period = parse_period(params.get("period"), kind=kind)
    if period is None:
        period = selectors.default_period(run, kind or MONTH)
    return period, cut


def followed_run_id(params: Mapping[str, str]) -> int | None:
    """The run a page follows the progress of (`?run=<id>`); anything else is ignored."""
    text = params.get("run", "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def record_id(params: Mapping[str, str], name: str) -> int | None:
    """A record id in the query (a keyset page's cursor), or None when absent."""
    raw = params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest(_("%(name)s must be a record id.") % {"name": _shown(name)})
    return int(raw)


def record_cursors(params: Mapping[str, str], tables) -> dict[str, int]:
    """The keyset cursors in the query, by name: `after` / `before` (a drill-down's first
    table) and `<table>_after` / `<table>_before` of each of `tables`; only those present."""
    names = ["after", "before"]
    names += [f"{table}_{side}" for table in tables for side in ("after", "before")]
    found = {name: record_id(params, name) for name in names}
    return {name: cursor for name, cursor in found.items() if cursor is not None}
