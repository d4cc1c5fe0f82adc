"""``{{ text|render_markdown }}`` and ``{{ revision|render_revision }}``: the sanitised renderer as template filters."""

from django import template

from playbook.guidance import shown_questions
from playbook.markdown import render_markdown as _render_markdown
from playbook.markdown import render_revision as _render_revision

register = template.Library()


@register.filter(name="render_markdown")
def render_markdown(text):
    return _render_markdown(text)


@register.filter(name="render_revision")
def render_revision(revision):
    """A revision's body, its Markdown rendered once and kept (``playbook.markdown``)."""
    return _render_revision(revision)


@register.filter(name="guiding_questions")
def guiding_questions(section):
    """The section's guiding questions in the reader's language while they are the seeded ones."""
    return shown_questions(section)
