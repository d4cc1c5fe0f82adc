"""The cut: which records a figure covers (all of them, one account segment, or one channel).

The one `Cut` and its one parser (`parse`): calculations, selectors, views, the playbook's
shortcodes and the management commands all read a cut through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import catalog

# A cut value longer than this can't be stored (MetricValue.cut_value) so it can't match.
MAX_CUT_VALUE = 100


@dataclass(frozen=True)
class Cut:
    """Which records a figure covers: all of them, one account segment, or one channel."""

    kind: str = catalog.ALL
    value: str = ""

    def __post_init__(self):
        if self.kind not in catalog.CUT_KINDS:
            raise ValueError(f"Unknown cut kind {self.kind!r}.")
        if (self.kind == catalog.ALL) != (self.value == ""):
            raise ValueError("The 'all' cut has no value; a segment or channel cut needs one.")

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

    def label(self) -> str:
        return "All" if self.is_all else f"{self.kind.title()}: {self.value}"


ALL_CUT = Cut()


def parse(*, segment: str | None = None, channel: str | None = None) -> Cut:
    """The cut a URL, a shortcode or a command asks for. Raises ValueError for both at once."""
    segment, channel = (segment or "").strip(), (channel or "").strip()
    if not (segment + channel).isprintable():
        # No record can carry one (PostgreSQL refuses NUL in text at all).
        raise ValueError("A segment or channel has no control characters.")
    if segment and channel:
        raise ValueError("Filter by a segment or by a channel, not both.")
    if segment:
        return Cut.segment(segment[:MAX_CUT_VALUE])
    if channel:
        return Cut.channel(channel[:MAX_CUT_VALUE])
    return ALL_CUT
