"""Template helpers of the data-trust includes (templates/metrics/_data_as_of.html and
_card_trust.html)."""

from django import template

register = template.Library()


@register.filter
def trust_of(cards: dict, key: str):
    """The MetricTrust of a metric in a {key: MetricTrust} dict (None if absent)."""
    return cards.get(key) if cards else None


@register.filter
def person(user) -> str:
    """A user's full name, else their user name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
