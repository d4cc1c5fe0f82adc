"""Only the sanitiser marks HTML safe, and it is the renderer everyone uses."""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.utils.module_loading import import_string
from markdownx.views import markdownify_func

from playbook.markdown import render_markdown

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    ROOT / "playbook" / "markdown.py",
    ROOT / "playbook" / "templatetags" / "playbook_markdown.py",
    # Kept HTML, autoescaped when its templates rendered it, with each request's CSRF token put
    # in place of a random placeholder (with_csrf_token): no user text is marked safe there.
    ROOT / "revops_portal" / "kept" / "store.py",
    Path(__file__).resolve(),
}
SKIP_DIRS = {".venv", ".git", "node_modules", "staticfiles", "media", "__pycache__", ".ruff_cache"}
UNSAFE = re.compile(
    r"mark_safe|SafeString\(|SafeText\(|\|\s*safe\b|\|\s*safeseq\b|autoescape\s+off|is_safe\s*=\s*True"
)


def project_files():
    for path in ROOT.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(ROOT).parts):
            continue
        if path.suffix in {".py", ".html", ".txt", ".md"} and path.is_file():
            yield path


def test_mark_safe_and_the_safe_filter_appear_only_in_the_sanitiser_module():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in project_files()
        if path not in ALLOWED
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if UNSAFE.search(line)
    ]
    assert offenders == []


def test_the_scan_does_look_at_the_projects_templates_and_code():
    scanned = {path.relative_to(ROOT).as_posix() for path in project_files()}
    assert "templates/base.html" in scanned
    assert "playbook/views.py" in scanned
    assert not any(path.startswith(".venv/") for path in scanned)


def test_markdownx_and_the_template_filter_use_the_same_sanitising_renderer():
    assert import_string(settings.MARKDOWNX_MARKDOWNIFY_FUNCTION) is render_markdown
    hostile = '<img src=x onerror="alert(1)"> **bold**'
    expected = str(render_markdown(hostile))
    assert "onerror" not in expected and "<strong>bold</strong>" in expected
    assert markdownify_func(hostile) == expected  # what markdownx itself would call
    rendered = Template("{% load playbook_markdown %}{{ text|render_markdown }}").render(
        Context({"text": hostile})
    )
    assert rendered == expected


def test_markdown_tables_fenced_code_and_lists_render():
    html = str(
        render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```\nx < 1\n```\n\n1. one\n2. two")
    )
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert "<pre><code>x &lt; 1\n</code></pre>" in html
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in html
