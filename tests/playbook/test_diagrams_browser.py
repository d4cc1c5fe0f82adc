"""Mermaid diagrams in a real headless Chromium, under the portal's Content-Security-Policy:
an SVG for every diagram of the demo (on its section's page and on the print page) with no
console error and no CSP violation, Mermaid fetched only by pages that show a diagram, diagrams
in the editor's live preview, a broken diagram showing its error and source, and the XSS corpus
inside diagram sources running nothing."""

import pytest

from playbook import services
from playbook.models import Section
from playbook.seeding import seed_playbook

from .factories import UserFactory
from .test_editor_browser import PASSWORD, browser, open_page  # noqa: F401 - the fixture
from .test_xss import PAYLOADS

pytestmark = pytest.mark.browser

MERMAID_FILE = "/vendor/mermaid/mermaid.min.js"
DONE = 'pre > code.language-mermaid[data-diagram="done"]'
# Every attribute of the drawn diagrams, flattened: no handler, no script URL may be among them.
DIAGRAM_ATTRIBUTES = """
() => Array.from(document.querySelectorAll(".diagram-svg *")).flatMap((element) =>
  Array.from(element.attributes).map((a) => [element.localName, a.name, a.value]))
"""


def log_in(browser, live_server, username):  # noqa: F811
    page = open_page(browser, live_server, username)
    page.fetched = []
    page.on("request", lambda request: page.fetched.append(request.url))
    page.on(
        "console",
        lambda m: page.problems.append(f"console error: {m.text}") if m.type == "error" else None,
    )
    return page


def wait_for_diagrams(page, count):
    page.locator(DONE).nth(count - 1).wait_for(state="attached", timeout=30_000)
    assert page.locator("pre > code.language-mermaid").count() == count


def diagram_count(body):
    return body.count("```mermaid\n")


@pytest.fixture
def owned_section(restored_sections):
    """Target audience, owned by ``owner``, who may write anything into it."""
    owner = UserFactory(username="owner", password=PASSWORD)
    section = Section.objects.get(slug="target-audience")
    services.assign_owner(section=section, owner=owner, assigned_by=None)
    return section


def save_body(section, body):
    services.save_revision(
        section=section, author=section.owner, title=section.title, body=body, change_note="",
        base_number=section.current_number,
    )  # fmt: skip


@pytest.fixture
def demo(restored_sections):
    seed_playbook()
    return {
        section.slug: diagram_count(section.current_revision.body)
        for section in Section.objects.select_related("current_revision")
    }


@pytest.mark.django_db(transaction=True)
def test_every_demo_diagram_draws_as_an_svg_under_the_csp(live_server, browser, demo):  # noqa: F811
    UserFactory(username="newhire", password=PASSWORD)
    page = log_in(browser, live_server, "newhire")
    assert not any(MERMAID_FILE in url for url in page.fetched)  # the index has no diagram
    drawn = {}
    for slug, expected in sorted(demo.items()):
        page.goto(f"{live_server.url}/playbook/{slug}/")
        if expected == 0:
            assert page.locator("pre > code.language-mermaid").count() == 0
            continue
        wait_for_diagrams(page, expected)
        assert page.locator(".diagram-error").count() == 0, slug
        drawn[slug] = page.locator(".diagram.diagram-rendered .diagram-svg > svg").count()
        # A drawing with real shapes and text, not an empty box.
        assert page.locator(".diagram-svg svg text, .diagram-svg svg tspan").count() > 0
    assert drawn == {slug: n for slug, n in demo.items() if n}
    assert sum(drawn.values()) >= 8
    # The pages under Processes and workflows, each with its process map.
    assert {"lead-capture", "qualification-and-routing", "handoff-to-cs", "renewal"} <= set(drawn)
    assert any(MERMAID_FILE in url for url in page.fetched)
    assert page.evaluate("window.__cspViolations") == []
    # The whole playbook on one page, for printing: every diagram again.
    page.goto(f"{live_server.url}/playbook/print/")
    wait_for_diagrams(page, sum(drawn.values()))
    assert page.locator(".diagram.diagram-rendered .diagram-svg > svg").count() == sum(
        drawn.values()
    )
    assert page.evaluate("window.__cspViolations") == []
    assert page.problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restored_sections")
def test_a_page_without_a_diagram_does_not_fetch_mermaid(live_server, browser):  # noqa: F811
    UserFactory(username="newhire", password=PASSWORD)
    page = log_in(browser, live_server, "newhire")
    page.goto(f"{live_server.url}/playbook/tone-of-voice/")
    page.wait_for_load_state("networkidle")
    assert any("/js/diagrams.js" in url for url in page.fetched)
    assert not any(MERMAID_FILE in url for url in page.fetched)


@pytest.mark.django_db(transaction=True)
def test_a_broken_diagram_shows_its_error_and_its_source(live_server, browser, owned_section):  # noqa: F811
    broken = "flowchart LR\n  A[Lead --> ((\n  B -->> ]]"
    save_body(
        owned_section,
        f"Before.\n\n```mermaid\n{broken}\n```\n\n```mermaid\nflowchart LR\n  ok --> fine\n```\n",
    )
    page = log_in(browser, live_server, "owner")
    page.goto(f"{live_server.url}/playbook/target-audience/")
    wait_for_diagrams(page, 2)
    failed = page.locator(".diagram.diagram-failed")
    assert failed.count() == 1
    assert "This diagram has an error" in failed.locator(".diagram-error").inner_text()
    assert failed.locator("pre").is_visible()
    assert failed.locator("pre").inner_text().strip() == broken
    assert page.locator(".diagram.diagram-rendered .diagram-svg svg").count() == 1
    assert page.locator("#dpb-diagram-1, #pb-diagram-1").count() <= 1  # no scratch left behind
    assert page.evaluate("window.__cspViolations") == []


@pytest.mark.django_db(transaction=True)
def test_the_xss_corpus_inside_diagram_sources_runs_nothing(live_server, browser, owned_section):  # noqa: F811
    payloads = [p.replace("alert(1)", "window.__xss=true") for p in PAYLOADS]
    blocks = [f'flowchart LR\n  A["{p}"] --> B[{p}]' for p in payloads]
    blocks += [f"sequenceDiagram\n  A->>B: {p}\n  Note over A: {p}" for p in payloads]
    blocks += [
        'flowchart LR\n  A --> B\n  click A "javascript:window.__xss=true"\n  click B call evil()',
        '%%{init: {"securityLevel": "loose", "htmlLabels": true}}%%\nflowchart LR\n'
        '  A["<img src=x onerror=window.__xss=true>"] --> B',
        "flowchart LR\n  A --> B\n  style A fill:url(javascript:window.__xss=true)",
    ]
    save_body(owned_section, "\n\n".join(f"```mermaid\n{block}\n```" for block in blocks))
    page = log_in(browser, live_server, "owner")
    page.goto(f"{live_server.url}/playbook/target-audience/")
    wait_for_diagrams(page, len(blocks))
    for link in page.locator(".diagram-svg a, .diagram-svg .node").all()[:40]:
        link.dispatch_event("click")
    page.wait_for_timeout(200)  # a handler that slipped through would have run by now
    assert page.evaluate("window.__xss") is False
    assert page.locator(".diagram-svg script, .diagram-svg foreignObject").count() == 0
    for element, name, value in page.evaluate(DIAGRAM_ATTRIBUTES):
        assert not name.lower().startswith("on"), (element, name, value)
        assert "javascript:" not in value.lower().replace(" ", ""), (element, name, value)
    drawn = page.locator(".diagram-rendered").count()
    failed = page.locator(".diagram-failed").count()
    assert drawn + failed == len(blocks) and drawn > len(blocks) // 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("owned_section")
def test_the_editors_live_preview_draws_a_diagram(live_server, browser):  # noqa: F811
    page = log_in(browser, live_server, "owner")
    page.goto(f"{live_server.url}/playbook/target-audience/edit/")
    assert not any(MERMAID_FILE in url for url in page.fetched)
    editor = page.locator("textarea.markdownx-editor")
    editor.fill("")
    editor.type("Routing:\n\n```mermaid\nflowchart LR\n  MQL --> SDR --> AE\n```\n")
    page.wait_for_selector(".markdownx-preview .diagram-svg svg", timeout=30_000)
    assert "SDR" in page.locator(".markdownx-preview .diagram-svg svg").text_content()
    assert page.evaluate("window.__cspViolations") == []
    assert page.problems == []
