from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def person(user, nobody=None):
    """A user's full name, else their user name; ``nobody`` (the argument, else "nobody" in the
    current language) for no user."""
    if user is None:
        return pgettext("no person", "nobody") if nobody is None else nobody
    return user.get_full_name() or user.get_username()
