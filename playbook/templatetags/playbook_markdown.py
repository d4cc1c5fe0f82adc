"""``{{ text|render_markdown }}``: the sanitised renderer as a template filter."""

from django import template

from playbook.markdown import render_markdown as _render_markdown

register = template.Library()


@register.filter(name="render_markdown")
def render_markdown(text):
    return _render_markdown(text)
