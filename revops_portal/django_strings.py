"""Django's own strings that its catalogues do not translate yet into our languages (new in
Django 6.1): listed here so that makemessages copies them into ours, which Django reads first
(LOCALE_PATHS), and tests/i18n/test_catalogues.py requires their translations like any other."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # django.db.models.fields.BLANK_CHOICE_LABEL
]
