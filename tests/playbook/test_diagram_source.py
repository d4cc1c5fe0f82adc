"""Mermaid diagrams on the server side: a fenced ```mermaid block reaches the page as escaped
text marked with its language (static/js/diagrams.js draws it); nothing in it becomes markup."""

import re
from html.parser import HTMLParser

import pytest

from playbook.markdown import render_markdown
from playbook.seeding import DEMO_DIR, read_demo_files

from .test_xss import PAYLOADS

MERMAID_BLOCK = re.compile(r'<pre><code class="language-mermaid">(.*?)</code></pre>', re.S)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html):
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_a_mermaid_block_keeps_its_language_and_its_source_as_text():
    html = render_markdown('```mermaid\nflowchart LR\n  A["Lead & <b>bold</b>"] --> B\n```\n')
    assert MERMAID_BLOCK.findall(html) == [
        'flowchart LR\n  A["Lead &amp; &lt;b&gt;bold&lt;/b&gt;"] --&gt; B\n'
    ]
    assert [tag for tag, _ in tags_of(html)] == ["pre", "code"]


def test_other_classes_are_still_dropped():
    html = render_markdown(
        '```python\nx = 1\n```\n\n<code class="language-mermaid evil">a</code> '
        '<span class="language-mermaid">b</span>'
    )
    classes = [attrs.get("class") for _, attrs in tags_of(html)]
    assert "language-python" not in html and "evil" not in html
    assert set(classes) <= {None, "", "language-mermaid"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_inside_a_diagram_stays_text(payload):
    html = render_markdown(f'```mermaid\nflowchart LR\n  A["{payload}"] --> B\n```\n')
    assert [tag for tag, _ in tags_of(html)] == ["pre", "code"]
    assert len(MERMAID_BLOCK.findall(html)) == 1


def test_the_demo_draws_its_diagrams_in_mermaid_not_pngs():
    latest = {}
    for demo in read_demo_files(DEMO_DIR):
        latest[demo.slug] = demo.body
    with_diagrams = {slug for slug, body in latest.items() if "```mermaid\n" in body}
    assert with_diagrams >= {
        "revops-overview", "target-audience", "content-assets", "roles-and-responsibilities",
        "tech-stack", "processes-and-workflows", "success-metrics",
        # the pages of Processes and workflows: each process mapped with its diagram
        "lead-capture", "qualification-and-routing", "handoff-to-cs", "renewal",
    }  # fmt: skip
    assert not any("/media/playbook/demo/" in body for body in latest.values())
    assert not (DEMO_DIR / "images").exists()
