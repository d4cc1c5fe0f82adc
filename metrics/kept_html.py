"""The parts of the scorecard and of a metric's page that show a run's figures, rendered once
and kept in the cache (issue 10: a scorecard request spent most of its time building and
rendering the same cards, charts and tables for every reader).

A succeeded run's values never change, so that HTML stays right until something else it shows
changes. Its cache key holds all of that: the run (`selectors.run_cache_key`), the page, the
language, and what the caller names in `vary` (the period and cut, the targets, the owners and
findings printed on the cards …), plus the code and translations that render it
(`_rendering_fingerprint`), so a deploy never serves HTML of the old templates from a shared
cache. A run not finished, or no run, is rendered each time.

The kept parts are rendered without the request: no reader's permissions, CSRF token or name
can end up in them. What depends on the reader (the Recompute button, the owner form, the
empty state's next steps) is rendered around them per request by the view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache as _once
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from .models import MetricRun
from .selectors import run_cache_key

_ROOT = Path(__file__).resolve().parents[1]
# What renders the kept parts: the metrics app's code and templates, the reader's-language
# numbers and dates, and the compiled translations (the words on the cards and in the tables).
_RENDERED_BY = (
    ("metrics", "**/*.py"),
    ("templates/metrics", "**/*.html"),
    ("revops_portal", "localization.py"),
    ("revops_portal/templatetags", "*.py"),
    ("locale", "**/*.mo"),
)


@_once
def _rendering_fingerprint() -> str:
    digest = hashlib.sha256()
    for folder, pattern in _RENDERED_BY:
        for path in sorted((_ROOT / folder).glob(pattern)):
            digest.update(str(path.relative_to(_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def kept_parts(
    run: MetricRun | None, *, page: str, vary: tuple, render: Callable[[], dict]
) -> dict:
    """`render()`'s result (a dict of HTML parts and flags the view needs around them), kept
    for this run, page, language and `vary` (anything with a stable repr)."""
    if run is None or run.status != MetricRun.Status.SUCCEEDED or run.finished_at is None:
        return render()
    wanted = repr((vary, settings.METRICS_CURRENCY, _rendering_fingerprint()))
    digest = hashlib.sha256(wanted.encode()).hexdigest()[:32]
    key = f"metrics:kept-html:{page}:{run_cache_key(run)}:{get_language()}:{digest}"
    parts = cache.get(key)
    if parts is None:
        parts = render()
        cache.set(key, parts, timeout=None)
    return parts
