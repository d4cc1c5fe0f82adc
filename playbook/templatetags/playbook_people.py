from django import template

register = template.Library()


@register.filter
def person(user, nobody="nobody"):
    """A user's full name, else their user name; ``nobody`` (the argument) for no user."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()
