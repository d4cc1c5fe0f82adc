"""Mermaid diagrams drawn on the server, for the PDF export.

WeasyPrint runs no JavaScript, so the export's worker draws every diagram of the playbook once
in headless Chromium (`PDF_CHROMIUM_PATH`) with the vendored Mermaid, configured as in the browser
(strict security, SVG text labels), and the PDF shows each SVG as an image. Chromium gets no
network (every host name fails to resolve) and one page for the whole export. A diagram that
does not parse, or an export built where Chromium is missing, keeps the diagram's source with
a line that says why: never a blank.
"""

import base64
import html
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# What playbook/markdown.py makes of a fenced ```mermaid block (the source HTML-escaped).
MERMAID_BLOCK = re.compile(
    r'<pre><code class="language-mermaid">(?P<source>.*?)</code></pre>', re.S
)
MAX_DIAGRAMS = 300  # per export; more are left as source
TIMEOUT_SECONDS = 120

# Mermaid configured as static/js/diagrams.js configures it in the browser. Each diagram's SVG
# (serialised as XML, base64) or its error lands in an attribute of a <template>, so the dumped
# DOM gives it back unambiguously.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><script src="{mermaid}"></script></head><body>
<script id="sources" type="application/json">{sources}</script>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict", suppressErrorRendering: true,
  htmlLabels: false, flowchart: {{htmlLabels: false}}, secure: ["secure", "securityLevel",
  "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges", "htmlLabels",
  "dompurifyConfig"]}});
(async () => {{
  const sources = JSON.parse(document.getElementById("sources").textContent);
  for (let i = 0; i < sources.length; i++) {{
    const holder = document.createElement("template");
    holder.id = "diagram-" + i;
    try {{
      const {{svg}} = await mermaid.render("diagram-svg-" + i, sources[i]);
      const parsed = new DOMParser().parseFromString(svg, "text/html").querySelector("svg");
      const xml = new XMLSerializer().serializeToString(parsed);
      holder.dataset.svg = btoa(String.fromCharCode(...new TextEncoder().encode(xml)));
    }} catch (error) {{
      holder.dataset.error = String((error && error.message) || error).slice(0, 300);
    }}
    document.body.append(holder);
  }}
  document.body.dataset.done = "1";
}})();
</script></body></html>
"""
DRAWN = re.compile(r'<template id="diagram-(\d+)" data-(svg|error)="([^"]*)"')


@dataclass(frozen=True)
class Drawn:
    svg: bytes | None  # the diagram as SVG, or None
    error: str = ""  # why not


def chromium_path() -> str | None:
    path = settings.PDF_CHROMIUM_PATH
    return path if path and os.access(path, os.X_OK) else None


def draw(sources: list[str]) -> list[Drawn]:
    """Each Mermaid source as SVG, in order; one Chromium for all of them."""
    if not sources:
        return []
    chromium = chromium_path()
    if chromium is None:
        missing = _(
            "the server that builds PDFs has no Chromium to draw diagrams (PDF_CHROMIUM_PATH)"
        )
        return [Drawn(None, missing)] * len(sources)
    drawn = _run_chromium(chromium, sources[:MAX_DIAGRAMS])
    too_many = Drawn(
        None,
        ngettext(
            "more than %(count)s diagram in the playbook",
            "more than %(count)s diagrams in the playbook",
            MAX_DIAGRAMS,
        )
        % {"count": MAX_DIAGRAMS},
    )
    return drawn + [too_many] * (len(sources) - len(drawn))


def _run_chromium(chromium: str, sources: list[str]) -> list[Drawn]:
    mermaid = Path(finders.find("vendor/mermaid/mermaid.min.js")).as_uri()
    # "<" escaped: a source cannot end the JSON's script element.
    payload = json.dumps(sources).replace("<", "\\u003c")
    with tempfile.TemporaryDirectory(prefix="revops-diagrams-") as folder:
        page = Path(folder) / "diagrams.html"
        page.write_text(PAGE.format(mermaid=mermaid, sources=payload), encoding="utf-8")
        command = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no network
            f"--user-data-dir={folder}/profile",
            "--virtual-time-budget=60000",  # virtual: returns once the renders are done
            "--dump-dom",
            page.as_uri(),
        ]
        if os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            result = subprocess.run(  # noqa: S603 (a fixed program and arguments, no shell)
                command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            failed = _("Chromium failed: %(error)s") % {"error": type(exc).__name__}
            return [Drawn(None, failed)] * len(sources)
    dom = result.stdout.decode("utf-8", "replace")
    found = {int(number): (kind, value) for number, kind, value in DRAWN.findall(dom)}
    drawn = []
    for number in range(len(sources)):
        kind, value = found.get(number, ("error", _("Chromium did not finish drawing it")))
        if kind == "svg":
            drawn.append(Drawn(base64.b64decode(value)))
        else:
            drawn.append(Drawn(None, html.unescape(value)))
    return drawn


def with_drawn_diagrams(page_html: str) -> str:
    """The print page's HTML with each Mermaid block replaced by its drawing (an SVG image), or
    kept as source below the reason it could not be drawn."""
    blocks = list(MERMAID_BLOCK.finditer(page_html))
    drawn = iter(draw([html.unescape(block["source"]) for block in blocks]))

    def replace(block: re.Match) -> str:
        diagram = next(drawn)
        if diagram.svg is None:
            reason = html.escape(
                _("This diagram could not be drawn: %(reason)s.") % {"reason": diagram.error}
            )
            return f'<p class="diagram-error">{reason}</p>{block.group(0)}'
        data = base64.b64encode(diagram.svg).decode("ascii")
        alt = html.escape(_("Diagram"))
        return f'<figure class="diagram"><img alt="{alt}" src="data:image/svg+xml;base64,{data}"></figure>'

    return MERMAID_BLOCK.sub(replace, page_html)


def svg_data(url: str) -> bytes | None:
    """The SVG of a `data:image/svg+xml;base64,` URL (the drawn diagrams), else None."""
    prefix = "data:image/svg+xml;base64,"
    return base64.b64decode(url[len(prefix) :]) if url.startswith(prefix) else None
