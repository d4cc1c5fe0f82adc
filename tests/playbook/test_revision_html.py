"""A revision's Markdown is rendered once and kept (playbook.markdown.render_revision): the same
HTML as rendering it anew, a new revision shows at once, and shortcodes stay live."""

from pathlib import Path

import markdown as python_markdown
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from playbook import markdown as pipeline
from playbook import services
from playbook.models import Revision, Section
from tests.playbook.conftest import run_with_win_rate
from tests.playbook.factories import UserFactory

DEMO_CONTENT = Path(pipeline.__file__).parent / "demo"
SHORTCODES = (
    "Win rate {{ metric:win_rate period=2017-12 }}, "
    "[link {{ metric:arr }}](https://example.com/?q={{ metric:arr }}) and `{{ metric:arr }}`; "
    "{{ metric:nope }}\n\n<script>alert(1)</script>"
)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def markdown_calls(monkeypatch):
    """How many times python-markdown renders (the real renderer, counted)."""
    calls = []
    real = python_markdown.markdown

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline._markdown, "markdown", counted)
    return calls


def revision_with(body: str) -> Revision:
    section = Section.objects.get(slug="success-metrics")
    return services.save_revision(
        section=section,
        author=UserFactory(),  # a person's revision: the section is no longer "empty"
        title=section.title,
        body=body,
        change_note="test",
        base_number=section.current_number,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [path.read_text() for path in sorted(DEMO_CONTENT.glob("*/*.md"))] + [SHORTCODES, "", None],
)
def test_kept_html_is_identical_to_rendering_anew(body):
    run_with_win_rate("0.425")
    revision = revision_with(body or "")
    fresh = pipeline.render_markdown(revision.body)
    assert pipeline.render_revision(revision) == fresh  # rendered and kept
    assert pipeline.render_revision(revision) == fresh  # from the cache


@pytest.mark.django_db
def test_the_markdown_of_a_revision_is_rendered_once(markdown_calls):
    revision = revision_with("# Title\n\nSome *text*.")
    first = pipeline.render_revision(revision)
    again = pipeline.render_revision(Revision.objects.get(pk=revision.pk))
    assert first == again and "<em>text</em>" in first
    assert len(markdown_calls) == 1


@pytest.mark.django_db
def test_a_new_revision_is_shown_at_once(client, markdown_calls):
    client.force_login(UserFactory(is_staff=True))
    url = reverse("playbook:section", args=["success-metrics"])
    revision_with("Version **one**")
    assert "<strong>one</strong>" in client.get(url).content.decode()
    client.get(url)
    assert len(markdown_calls) == 1  # the second request used the kept HTML
    revision_with("Version **two**")
    page = client.get(url).content.decode()
    assert "<strong>two</strong>" in page and "one</strong>" not in page
    assert len(markdown_calls) == 2


@pytest.mark.django_db
def test_shortcodes_in_kept_html_show_the_latest_figures(markdown_calls):
    revision = revision_with("Win rate {{ metric:win_rate period=2017-12 }}")
    run_with_win_rate("0.425")
    assert "42.5%" in pipeline.render_revision(revision)
    run_with_win_rate("0.5")  # a newer run
    shown = pipeline.render_revision(revision)
    assert "50.0%" in shown and "42.5%" not in shown
    assert len(markdown_calls) == 1


@pytest.mark.django_db
def test_a_change_to_the_pipeline_renders_anew(markdown_calls):
    revision = revision_with("Some *text*.")
    pipeline.render_revision(revision)

    def shout(text):
        return text.upper()

    pipeline.register_preprocessor(shout)
    try:
        assert "<em>TEXT</em>" in pipeline.render_revision(revision)
    finally:
        pipeline._preprocessors.remove(shout)
    assert len(markdown_calls) == 2  # other steps: the kept HTML is not reused


@pytest.mark.django_db
def test_the_print_page_uses_the_kept_html(client, markdown_calls):
    client.force_login(UserFactory(is_staff=True))
    url = reverse("playbook:print")
    revision_with("Printed **once**")
    first = client.get(url).content.decode()
    rendered = len(markdown_calls)
    assert "<strong>once</strong>" in first and rendered >= 1
    again = client.get(url).content.decode()
    assert "<strong>once</strong>" in again
    assert len(markdown_calls) == rendered  # every section's HTML came from the cache


@pytest.mark.django_db
def test_one_render_serves_every_language_and_time_zone(markdown_calls):
    # The sanitised half writes no words, numbers or dates: keyed by neither (kept/store.py).
    revision = revision_with("Shared *text*.")
    english = str(pipeline.render_revision(revision))
    with translation.override("fa"), timezone.override("Asia/Tehran"):
        persian = str(pipeline.render_revision(revision))
    assert persian == english and "<em>text</em>" in english
    assert len(markdown_calls) == 1
