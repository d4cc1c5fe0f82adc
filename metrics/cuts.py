"""The cut: which records a figure covers (all of them, or one segment, channel, industry,
owner or team: docs/metrics.md "Cuts").

The one `Cut` and its one parser (`parse`): calculations, selectors, views, the playbook's
shortcodes and the management commands all read a cut through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import catalog

# A cut value longer than this can't be stored (MetricValue.cut_value) so it can't match.
MAX_CUT_VALUE = 100

# The cut kinds a URL, a shortcode or a command names as a keyword (segment=…, team=…).
FILTER_KINDS = tuple(kind for kind in catalog.CUT_KINDS if kind != catalog.ALL)


@dataclass(frozen=True)
class Cut:
    """Which records a figure covers: all of them, or those of one value of a FILTER_KINDS."""

    kind: str = catalog.ALL
    value: str = ""

    def __post_init__(self):
        if self.kind not in catalog.CUT_KINDS:
            raise ValueError(f"Unknown cut kind {self.kind!r}.")
        if (self.kind == catalog.ALL) != (self.value == ""):
            raise ValueError("The 'all' cut has no value; any other cut needs one.")

    @classmethod
    def segment(cls, value: str) -> Cut:
        return cls(catalog.SEGMENT, value)

    @classmethod
    def channel(cls, value: str) -> Cut:
        return cls(catalog.CHANNEL, value)

    @property
    def is_all(self) -> bool:
        return self.kind == catalog.ALL

    def allows(self, definition: catalog.MetricDefinition) -> bool:
        return self.kind in definition.cuts

    def params(self) -> dict[str, str]:
        return {} if self.is_all else {self.kind: self.value}

    @property
    def kind_name(self) -> str:
        """The kind as people read it, in the active language ("Segment", "Сегмент")."""
        return str(catalog.CUT_KIND_NAMES[self.kind])

    def label(self) -> str:
        """The cut as people read it, in the active language: "All", "Segment: Enterprise"."""
        if self.is_all:
            return self.kind_name
        # Translators: a metric cut, its kind and the CRM's value: "Segment: Enterprise".
        return _("%(kind)s: %(value)s") % {"kind": self.kind_name, "value": self.value}


ALL_CUT = Cut()


def parse(**values: str | None) -> Cut:
    """The cut a URL, a shortcode or a command asks for: at most one of FILTER_KINDS as a
    keyword (``parse(team="Enterprise")``). Raises ValueError for two at once or bad text."""
    unknown = set(values) - set(FILTER_KINDS)
    if unknown:
        raise ValueError(
            f"Unknown cut {sorted(unknown)[0]!r}: use one of {', '.join(FILTER_KINDS)}."
        )
    given = {kind: (value or "").strip() for kind, value in values.items() if (value or "").strip()}
    if not "".join(given.values()).isprintable():
        # No record can carry one (PostgreSQL refuses NUL in text at all).
        raise ValueError(f"A {' or '.join(given)} has no control characters.")
    if len(given) > 1:
        raise ValueError(f"Filter by one of {', '.join(given)}, not several at once.")
    if not given:
        return ALL_CUT
    [(kind, value)] = given.items()
    return Cut(kind, value[:MAX_CUT_VALUE])


def parse_from(params) -> Cut:
    """The cut named in a mapping of keywords (URL query, shortcode arguments, options)."""
    return parse(**{kind: params.get(kind) for kind in FILTER_KINDS})
