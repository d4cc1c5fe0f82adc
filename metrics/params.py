"""What a metrics page asks for in its query string: a period (or a period kind) and a cut.

Every bad value raises `BadRequest` with a message for the user (the views answer 400).
"""

from collections.abc import Mapping

from . import cuts, selectors
from .cuts import Cut
from .models import MetricRun
from .periods import MONTH, STANDARD_KINDS, Period, parse


class BadRequest(ValueError):
    """A query parameter that can't be honoured; the message is shown to the user."""


def parse_period(code: str | None, *, kind: str | None = None) -> Period | None:
    """A month/quarter/year code from a URL, or None when absent. Raises BadRequest."""
    if kind and kind not in STANDARD_KINDS:
        raise BadRequest(f"Unknown period kind {kind!r}: use month, quarter or year.")
    if not code:
        return None
    try:
        period = parse(code)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if period.kind not in STANDARD_KINDS:
        raise BadRequest(
            "Figures are stored per month, quarter and year: use 2017-06, 2017-Q2 or 2017."
        )
    return period


def parse_cut(params: Mapping[str, str]) -> Cut:
    try:
        return cuts.parse(segment=params.get("segment"), channel=params.get("channel"))
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
