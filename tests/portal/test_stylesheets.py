"""The stylesheets mirror for right-to-left pages (Persian, `<html dir="rtl">`): only logical
properties (margin-inline-start, border-inline-end, text-align: start...), no left or right, so
a regression fails here rather than in a Persian reader's layout."""

from pathlib import Path

import pytest
import tinycss2

STYLESHEETS = sorted((Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"))
PHYSICAL_VALUES = {"left", "right"}
# Properties whose value may say left or right; each has a logical form (start/end, inline-*).
VALUE_SAYS_SIDE = {"text-align", "float", "clear", "caption-side", "resize", "justify-self",
                   "justify-items", "background-position", "transform-origin"}  # fmt: skip
# Four-value shorthands: "top right bottom left" is physical unless right == left.
SHORTHANDS = {"margin", "padding", "inset", "border-width", "border-style", "border-color",
              "scroll-margin", "scroll-padding"}  # fmt: skip


def declarations(rules):
    """Every declaration of the sheet, inside @media and @page blocks too (with its selector)."""
    for rule in rules:
        if rule.type not in ("qualified-rule", "at-rule") or rule.content is None:
            continue
        content = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True)
        where = tinycss2.serialize(rule.prelude).strip()
        if rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports", "layer"):
            yield from declarations(content)
            continue
        for item in content:
            if item.type == "declaration":
                yield where, item
            elif item.type in ("qualified-rule", "at-rule"):  # @page's margin boxes, nesting
                yield from declarations([item])


def physical(declaration) -> bool:
    name = declaration.lower_name
    values = [t for t in declaration.value if t.type not in ("whitespace", "comment")]
    words = {t.lower_value for t in values if t.type == "ident"}
    if name in ("left", "right") or "-left" in name or "-right" in name:
        return True
    if name in VALUE_SAYS_SIDE and words & PHYSICAL_VALUES:
        return True
    if name in SHORTHANDS and len(values) == 4:
        return tinycss2.serialize([values[1]]) != tinycss2.serialize([values[3]])
    return False


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda path: path.name)
def test_a_stylesheet_has_no_physical_left_or_right_left(sheet):
    rules = tinycss2.parse_stylesheet(sheet.read_text(), skip_whitespace=True, skip_comments=True)
    found = [
        f"{where} {{ {d.name}: {tinycss2.serialize(d.value).strip()} }}"
        for where, d in declarations(rules)
        if physical(d)
    ]
    assert found == []


def test_the_check_catches_each_kind_of_physical_property():
    sheet = """
      .a { margin-left: 1rem; } .b { text-align: right; } .c { border-right: 1px solid; }
      .d { margin: 0 1rem 0 2rem; } .e { left: 0; } @media print { .f { float: left; } }
      .ok { margin: 0 1rem 0 1rem; padding-inline-start: 1rem; text-align: end; }
    """
    rules = tinycss2.parse_stylesheet(sheet, skip_whitespace=True, skip_comments=True)
    flagged = [where for where, d in declarations(rules) if physical(d)]
    assert flagged == [".a", ".b", ".c", ".d", ".e", ".f"]
    assert len(STYLESHEETS) >= 2  # app.css and print.css
