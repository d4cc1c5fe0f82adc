"""Keys for page fragments kept in the cache (the table of contents' ``{% cache %}`` block).

A key is a digest of exactly what the fragment is rendered from: every loaded value of each
model instance given (fields and annotations) and of the objects joined to it
(``select_related``), the plain values beside them (a row's review status, the reader's edit
right and last-read revision), and the language and time zone its dates and words are written
in. Any change to any of these renders the fragment anew; the same data shown to another reader
with the same rights and reading is the same fragment. Computing the digest reads no database.
"""

import dataclasses
import hashlib

from django.db.models import Model
from django.utils import timezone, translation


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


def fragment_version(*shown) -> str:
    """The cache key part of a fragment rendered from ``shown`` (model instances, dataclasses
    of them, lists, plain values) in the current language and time zone."""
    context = (translation.get_language(), timezone.get_current_timezone_name())
    plain = (context, _plain(shown, set()))
    return hashlib.sha256(repr(plain).encode()).hexdigest()[:40]
