"""The parts of the scorecard and of a metric's page that show a run's figures, and a
drill-down page's records, rendered once and kept (issue 10: a scorecard request spent most of
its time building and rendering the same cards, charts and tables for every reader).

A succeeded run's values never change, so that HTML stays right until something else it shows
changes. It is kept with `revops_portal.kept.store.kept` (language, time zone, the code and
catalogues that render it) under the run (`selectors.run_cache_key`), the page, the currency
and what the caller names in `vary` (the period and cut, the change counter for the targets,
owners and findings printed on the cards …). A run not finished, or no run, is rendered each
time.

The kept parts are rendered without the request: no reader's permissions, CSRF token or name
can end up in them. What depends on the reader (the Recompute button, the owner form, the
empty state's next steps) is rendered around them per request by the view.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from revops_portal.kept.store import kept

from .models import MetricRun
from .selectors import run_cache_key


def kept_parts(
    run: MetricRun | None, *, page: str, vary: tuple, render: Callable[[], dict]
) -> dict:
    """`render()`'s result (a dict of HTML parts and flags the view needs around them), kept
    for this run, page, language and `vary` (anything with a stable repr)."""
    if run is None or run.status != MetricRun.Status.SUCCEEDED or run.finished_at is None:
        return render()
    return kept(f"metrics:{page}", (run_cache_key(run), settings.METRICS_CURRENCY, vary), render)
