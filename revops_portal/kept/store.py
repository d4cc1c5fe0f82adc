"""The one way of keeping rendered HTML (and the reads behind it) between requests.

`kept(name, vary, make)` returns `make()`'s result, kept in Django's default cache (Redis,
shared by every gunicorn worker, when one is configured; else each process's own memory:
settings.CACHES). The key holds:

* `name`, the fragment's own name (the page and the part);
* the active language and time zone (the words, numbers and dates are written in them), unless
  the caller says the fragment is written in neither (`localised=False`: a revision's sanitised
  Markdown is the same bytes for every reader, so it is made once, not once per language and
  time zone);
* the fingerprint of the code, templates, compiled catalogues and rendering libraries (Django,
  Markdown, nh3) that render it, so a deploy never serves HTML of the old templates from a cache
  the old processes filled;
* `vary`: what the fragment shows, given by the caller as plain values (a run's id and finish
  time, the change counter's `changes.version()`, the reader's rights …). Anything with a
  stable `repr`; model instances and dataclasses are reduced to their loaded values
  (`shown_values`).

Nothing read from the request goes into a kept fragment unless it is in `vary`: what depends on
the reader (their buttons, CSRF token, name) is rendered around the kept parts per request.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from functools import cache as _once
from importlib import metadata
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.utils import timezone, translation

# A day: a key nobody asks for any more (an old run's, an old counter's) leaves a shared cache.
KEPT_SECONDS = 24 * 3600
_ROOT = Path(__file__).resolve().parents[2]
# What renders kept fragments: the apps' code and templates, and the compiled translations.
_RENDERED_BY = (
    ("metrics", "**/*.py"),
    ("playbook", "**/*.py"),
    ("revops_portal", "**/*.py"),
    ("templates", "**/*.html"),
    ("locale", "**/*.mo"),
)
# The libraries whose output is kept: templates, Markdown, the sanitiser's allow-list.
_RENDERING_LIBRARIES = ("django", "markdown", "nh3")


@_once
def rendering_fingerprint() -> str:
    """A digest of every file and library version that renders kept fragments (read once per
    process)."""
    digest = hashlib.sha256()
    for library in _RENDERING_LIBRARIES:
        digest.update(f"{library} {metadata.version(library)}\n".encode())
    for folder, pattern in _RENDERED_BY:
        for path in sorted((_ROOT / folder).glob(pattern)):
            if "migrations" in path.parts:
                continue
            digest.update(str(path.relative_to(_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _plain(value, seen: set[int]):
    """``value`` as nested tuples of plain values, whose ``repr`` is then digested at once."""
    if isinstance(value, Model):
        if id(value) in seen:
            return (value._meta.label, value.pk)
        seen.add(id(value))
        # Loaded values only (a deferred field is not read: that would be a query).
        loaded = tuple(sorted((k, v) for k, v in value.__dict__.items() if not k.startswith("_")))
        joined = tuple(
            (name, _plain(other, seen)) for name, other in sorted(value._state.fields_cache.items())
        )
        return (value._meta.label, loaded, joined)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__qualname__, *(_plain(getattr(value, f.name), seen) for f in fields))
    if isinstance(value, list | tuple):
        return tuple(_plain(item, seen) for item in value)
    return value


def key(name: str, vary, *, localised: bool = True) -> str:
    """The cache key of fragment `name` showing `vary` in the active language and time zone
    (in none when not `localised`)."""
    written_in = (
        (translation.get_language(), timezone.get_current_timezone_name()) if localised else ()
    )
    context = (*written_in, rendering_fingerprint(), _plain(vary, set()))
    digest = hashlib.sha256(repr(context).encode()).hexdigest()[:40]
    return f"kept:{name}:{digest}"


def kept(
    name: str,
    vary,
    make: Callable[[], Any],
    *,
    localised: bool = True,
    keep_if: Callable[[Any], bool] | None = None,
) -> Any:
    """`make()`'s result, made once for `name` and `vary` in this language and time zone.

    `keep_if(result)` false: the result is returned but not kept (it turned out to show
    something newer than `vary` names, e.g. a run that finished while it was made)."""
    wanted = key(name, vary, localised=localised)
    found = cache.get(wanted)  # (value,): a kept None is kept too
    if found is None:
        found = (make(),)
        if keep_if is None or keep_if(found[0]):
            cache.set(wanted, found, timeout=KEPT_SECONDS)
    return found[0]
