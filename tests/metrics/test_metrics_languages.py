"""The metrics app speaks the reader's language: the Monday e-mail each recipient's (their
profile's, whatever language the job runs in), a 400 the browser's, an undefined figure's
stored English reason the reader's.

The tests compile their own small catalogue (tests/i18n/own_catalogue.py), so they show the code
asks for the right language whether or not the project's catalogues are built yet."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from metrics import review_email
from metrics.calculations.figures import shown_reason
from revops_portal.profiles.models import Profile
from tests.i18n.own_catalogue import compiled_catalogue
from tests.metrics.dashboard_support import make_persona
from tests.metrics.test_review_email import run_with_figures, send, with_email

RUSSIAN = {
    "Weekly revenue review: %(week)s": "Еженедельный обзор выручки: %(week)s",
    "Last week · %(week)s": "Прошлая неделя · %(week)s",
    "%(code)s is not a period. Use 2017-W23, 2017-06, 2017-Q2 or 2017.": "%(code)s — это не "
    "период. Укажите 2017-W23, 2017-06, 2017-Q2 или 2017.",
    "LTV is undefined (%(reason)s)": "LTV не определён (%(reason)s)",
    "no churn in this period": "нет оттока за этот период",
    "not available for a %(cut)s cut": "недоступно в разрезе «%(cut)s»",
    ("metric cut", "Channel"): "Канал",
}


@pytest.fixture
def catalogue(settings, tmp_path):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN})


@pytest.mark.django_db
def test_the_monday_email_is_written_in_each_recipients_language(
    catalogue, django_capture_on_commit_callbacks
):
    ivan = with_email(make_persona("manager"))  # managers get it by default
    Profile.objects.create(user=ivan, language="ru")
    sam = with_email(make_persona("reader"))
    review_email.set_subscribed(user=sam, subscribed=True)
    run_with_figures()
    with translation.override("pl"), django_capture_on_commit_callbacks(execute=True):
        send()  # the job's own language does not count
    written = {email.to[0]: email for email in mail.outbox}
    assert {to: email.subject for to, email in written.items()} == {
        ivan.email: "Еженедельный обзор выручки: Week 48, 2026",
        sam.email: "Weekly revenue review: Week 48, 2026",
    }
    assert "Прошлая неделя · Week 48, 2026" in written[ivan.email].body
    assert "Last week · Week 48, 2026" in written[sam.email].body


@pytest.mark.django_db
def test_a_bad_period_is_answered_in_the_browsers_language(catalogue, client):
    client.force_login(make_persona("reader"))
    response = client.get(
        reverse("metrics:scorecard") + "?period=" + "9" * 30, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert "— это не период. Укажите 2017-W23" in response.content.decode()


def test_a_stored_reason_is_shown_in_the_readers_language(catalogue):
    with translation.override("ru"):
        assert (
            shown_reason("LTV is undefined (no churn in this period)")
            == "LTV не определён (нет оттока за этот период)"
        )
        assert shown_reason("not available for a channel cut") == "недоступно в разрезе «канал»"
    assert shown_reason("no churn in this period") == "no churn in this period"
