"""XSS corpus through every user-text field, on every page that shows it."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from playbook import services
from playbook.markdown import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<a href="javascript:alert(1)">j1</a>',
    '<a href="JaVaScRiPt:alert(1)">j2</a>',
    '<a href="jav&#x61;script:alert(1)">j3</a>',
    '<a href="jav&#97;script:alert(1)">j4</a>',
    '<a href="&#106;avascript:alert(1)">j5</a>',
    '<a href=" javascript:alert(1)">j6</a>',
    '<a href="java\tscript:alert(1)">j7</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d1</a>',
    "<img src=x onerror=alert(1)>",
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    "<body onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    '<form action="javascript:alert(1)"><button>b</button></form>',
    '"><script>alert(1)</script>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](jav&#x61;script:alert(1))",
    "[d](data:text/html,<script>alert(1)</script>)",
    "![i](javascript:alert(1))",
    "![i](data:image/png;base64,iVBORw0KGgo=)",
]
MARKER = "xssmarker"
TITLE = "<script>alert(1)</script><img src=x onerror=alert(1)> xssmarker"
NOTE = (
    f"{MARKER} "
    + '<svg onload=alert(1)> <a href="javascript:alert(1)">n</a> [x](javascript:alert(1))'
)
BAD_SCHEME = re.compile(r"^(javascript|data|vbscript):", re.IGNORECASE)
FORBIDDEN_TAGS = {"iframe", "svg", "object", "embed", "math", "frame", "base"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_no_active_content(page: str, *, own_scripts_allowed: bool = True) -> None:
    collector = _Collector()
    collector.feed(page)
    assert [tag for tag, _ in collector.tags].count("body") <= 1
    assert [tag for tag, _ in collector.tags].count("meta") <= 2  # the page's charset and viewport
    for tag, attrs in collector.tags:
        if tag == "script":
            assert own_scripts_allowed, "a script tag in a fragment"
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        assert tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name != "style", (tag, value)
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"}:
                cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(value or ""))
                assert not BAD_SCHEME.match(cleaned), (tag, name, value)
    assert "javascript:" not in _attribute_text(page).lower()


def _attribute_text(page: str) -> str:
    """Only the insides of tags (attributes), not escaped text content."""
    return " ".join(re.findall(r"<[a-zA-Z][^>]*>", page))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_renderer_neutralises_each_payload(payload):
    out = render_markdown(f"{MARKER}\n\n{payload}")
    assert MARKER in out
    assert "<script" not in out.lower()
    assert_no_active_content(out, own_scripts_allowed=False)


def test_the_renderer_keeps_safe_links_with_rel_noopener():
    out = render_markdown(
        "[ok](https://ok.example/a?b=1) [rel](/playbook/) [m](mailto:a@b.example)"
    )
    assert '<a href="https://ok.example/a?b=1" rel="noopener noreferrer">ok</a>' in out
    assert '<a href="/playbook/" rel="noopener noreferrer">rel</a>' in out
    assert 'href="mailto:a@b.example"' in out


@pytest.fixture
def hostile_section(section, personas):
    services.save_revision(
        section=section,
        author=personas["owner"],
        title=TITLE,
        body=f"{MARKER}\n\n" + "\n\n".join(PAYLOADS),
        change_note=NOTE,
        base_number=1,
    )
    return section


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("playbook:section", ""),
        ("playbook:history", ""),
        ("playbook:diff", "?from=1&to=2"),
        ("playbook:edit", ""),
    ],
)
def test_section_pages_show_hostile_content_inert(client_as, hostile_section, name, query):
    response = client_as("owner").get(reverse(name, args=[hostile_section.slug]) + query)
    assert response.status_code == 200
    page = response.content.decode()
    assert MARKER in page  # the content really is on the page
    assert_no_active_content(page)


@pytest.mark.django_db
def test_the_history_shows_a_hostile_change_note_as_text(client_as, hostile_section):
    page = client_as("reader").get(reverse("playbook:history", args=[hostile_section.slug]))
    assert "&lt;svg onload=alert(1)&gt;" in page.content.decode()


@pytest.mark.django_db
def test_search_results_show_hostile_content_inert(client_as, hostile_section):
    response = client_as("reader").get(reverse("playbook:search") + f"?q={MARKER}")
    page = response.content.decode()
    assert hostile_section.slug in page and "<mark>" in page
    assert_no_active_content(page)


@pytest.mark.django_db
def test_a_hostile_search_query_is_echoed_as_text(client_as):
    response = client_as("reader").get(
        reverse("playbook:search"), {"q": '"><script>alert(1)</script><img src=x onerror=alert(1)>'}
    )
    assert_no_active_content(response.content.decode())


@pytest.mark.django_db
def test_the_preview_returns_sanitised_html(client_as):
    response = client_as("owner").post(
        reverse("playbook:preview", args=["target-audience"]),
        {"content": f"{MARKER}\n\n" + "\n\n".join(PAYLOADS)},
    )
    body = response.content.decode()
    assert response.status_code == 200 and MARKER in body
    assert "<script" not in body.lower()
    assert_no_active_content(body, own_scripts_allowed=False)


@pytest.mark.django_db
def test_the_preview_refuses_oversize_content(client_as, settings):
    settings.MARKDOWN_PREVIEW_MAX_CHARS = 1000
    url = reverse("playbook:preview", args=["target-audience"])
    assert client_as("owner").post(url, {"content": "x" * 1001}).status_code == 400
    assert client_as("owner").post(url, {"content": "x" * 1000}).status_code == 200
