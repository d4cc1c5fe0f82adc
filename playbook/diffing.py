"""Human-readable diffs as plain data; templates render (and escape) them.

``diff_lines(old, new)`` returns rows; each row has a ``kind`` ("equal",
"add", "del") and ``segments``: ``(text, changed)`` pairs, where ``changed``
marks the words that differ inside a replaced line. No HTML is built here.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import ngettext

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class DiffLine:
    kind: str  # "equal" | "add" | "del" | "skip" (a run of unchanged lines left out)
    old_number: int | None
    new_number: int | None
    segments: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Diff:
    lines: list[DiffLine]

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.kind == "add")

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.kind == "del")

    @property
    def has_changes(self) -> bool:
        return any(line.kind != "equal" for line in self.lines)


def _word_segments(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    old_segments: list[tuple[str, bool]] = []
    new_segments: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        if i2 > i1:
            old_segments.append(("".join(old_tokens[i1:i2]), changed))
        if j2 > j1:
            new_segments.append(("".join(new_tokens[j1:j2]), changed))
    return old_segments, new_segments


def _collapse(rows: list[DiffLine], context: int) -> list[DiffLine]:
    """Keep ``context`` unchanged lines around each change; replace longer runs by one "skip" row."""
    changed = [i for i, row in enumerate(rows) if row.kind != "equal"]
    if not changed:
        return rows
    keep = set()
    for i in changed:
        keep.update(range(max(0, i - context), min(len(rows), i + context + 1)))
    out: list[DiffLine] = []
    skipped = 0
    for i, row in enumerate(rows):
        if i in keep:
            if skipped:
                out.append(_skip_row(skipped))
                skipped = 0
            out.append(row)
        else:
            skipped += 1
    if skipped:
        out.append(_skip_row(skipped))
    return out


def _skip_row(count: int) -> DiffLine:
    text = ngettext("%(count)s unchanged line", "%(count)s unchanged lines", count) % {
        "count": count
    }
    return DiffLine("skip", None, None, [(text, False)])


def diff_lines(old: str, new: str, *, context: int | None = None) -> Diff:
    """Line-level diff of two texts, with word-level highlights on lines that were edited.

    With ``context``, long runs of unchanged lines are folded into "skip" rows.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                text = old_lines[i1 + offset]
                rows.append(DiffLine("equal", i1 + offset + 1, j1 + offset + 1, [(text, False)]))
            continue
        # Paired lines (a replace) get word-level highlights; the rest are wholly removed/added.
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        removed, added = [], []
        for offset in range(paired):
            old_segments, new_segments = _word_segments(
                old_lines[i1 + offset], new_lines[j1 + offset]
            )
            removed.append(DiffLine("del", i1 + offset + 1, None, old_segments))
            added.append(DiffLine("add", None, j1 + offset + 1, new_segments))
        for offset in range(paired, i2 - i1):
            removed.append(DiffLine("del", i1 + offset + 1, None, [(old_lines[i1 + offset], True)]))
        for offset in range(paired, j2 - j1):
            added.append(DiffLine("add", None, j1 + offset + 1, [(new_lines[j1 + offset], True)]))
        rows.extend(removed)
        rows.extend(added)
    return Diff(_collapse(rows, context) if context is not None else rows)
