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
  time, the change counter of what it shows, `changes.version(reads)`, the reader's rights …). Anything with a
  stable `repr`; model instances and dataclasses are reduced to their loaded values
  (`shown_values`).

Nothing read from the request goes into a kept fragment unless it is in `vary`: what depends on
the reader (their buttons, name) is rendered around the kept parts per request, or the reader is
in `vary`. A fragment with forms is rendered by `render_for_keeping`, which writes a random place
where each request's CSRF token goes (`with_csrf_token`): a token is never kept.

What turns with time alone (a review falling due) is not in the key: `fresh_until` says when a
kept result stops being right, and after that moment it is made again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import cache as _once
from importlib import metadata
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

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
    fresh_until: Callable[[Any], datetime | None] | None = None,
) -> Any:
    """`make()`'s result, made once for `name` and `vary` in this language and time zone.

    `keep_if(result)` false: the result is returned but not kept (it turned out to show
    something newer than `vary` names, e.g. a run that finished while it was made).
    `fresh_until(result)`: the moment the result stops being right with time alone (None:
    never); from then on it is made again."""
    wanted = key(name, vary, localised=localised)
    found = cache.get(wanted)  # (value,) or (value, fresh until): a kept None is kept too
    if found is not None and len(found) == 2 and timezone.now() >= found[1]:
        found = None  # what it shows turned with time
    if found is None:
        made = make()
        until = fresh_until(made) if fresh_until is not None else None
        found = (made,) if until is None else (made, until)
        if keep_if is None or keep_if(made):
            cache.set(wanted, found, timeout=KEPT_SECONDS)
    return found[0]


@dataclasses.dataclass(frozen=True)
class KeptHTML:
    """HTML rendered for keeping, with `token_place` where each request's CSRF token goes."""

    html: str
    token_place: str


def render_for_keeping(template_name: str, context: dict) -> KeptHTML:
    """`template_name` rendered without the request: every `{% csrf_token %}` writes a random
    place (a new one each render, so no text a user wrote can hold it) for `with_csrf_token`."""
    place = f"keptcsrf{secrets.token_hex(16)}"
    return KeptHTML(render_to_string(template_name, {**context, "csrf_token": place}), place)


def with_csrf_token(kept_html: KeptHTML, request) -> SafeString:
    """The kept HTML with this request's (masked) CSRF token in each form, as `{% csrf_token %}`
    writes it: the HTML was escaped by its templates when it was rendered, and the token is
    letters and digits."""
    html = kept_html.html.replace(kept_html.token_place, get_token(request))
    return mark_safe(html)  # noqa: S308 - autoescaped by the templates; only the token was put in
