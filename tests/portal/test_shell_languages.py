"""The portal's shell (navigation, log-in, error pages) and the notification settings page in
the reader's language, Persian right to left, people's names kept as written.

A small catalogue of the test's own (tests/i18n/own_catalogue.py) stands in for the project's,
so these show the pages ask for translations in the right language and place."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from revops_portal.errors import server_error, service_unavailable
from revops_portal.notifications import kinds
from revops_portal.notifications.models import Notification
from revops_portal.profiles.models import Profile
from tests.i18n.own_catalogue import compiled_catalogue

PASSWORD = "a-long-enough-password-2026"
RUSSIAN = {
    "Log in": "Вход",
    "Username": "Имя пользователя",
    "Playbook": "Плейбук",
    "Scorecard": "Карта показателей",
    "Notifications": "Уведомления",
    "Log out": "Выйти",
    ("language switcher", "Change"): "Сменить",
    "Notification settings saved.": "Настройки уведомлений сохранены.",
    "Webhook addresses must start with https://.": "Адрес вебхука должен начинаться с https://.",
    "Something went wrong": "Что-то пошло не так",
    "Too many failed log-in attempts": "Слишком много неудачных попыток входа",
    (
        "After %(limit)s failed attempt, logging in as this user from your address is paused "
        "to protect the account.",
        "After %(limit)s failed attempts, logging in as this user from your address is paused "
        "to protect the account.",
    ): [
        "После %(limit)s неудачной попытки вход приостановлен.",
        "После %(limit)s неудачных попыток вход приостановлен.",
        "После %(limit)s неудачных попыток вход приостановлен.",
        "После %(limit)s неудачной попытки вход приостановлен.",
    ],
    (
        "The portal cannot reach its database right now, usually for a few seconds while it "
        "restarts. Please try again in %(seconds)s second. If you were saving a change, it may "
        "not have been saved: go back and check once the portal answers.",
        "The portal cannot reach its database right now, usually for a few seconds while it "
        "restarts. Please try again in %(seconds)s seconds. If you were saving a change, it may "
        "not have been saved: go back and check once the portal answers.",
    ): [
        "Попробуйте через %(seconds)s секунду.",
        "Попробуйте через %(seconds)s секунды.",
        "Попробуйте через %(seconds)s секунд.",
        "Попробуйте через %(seconds)s секунды.",
    ],
}
PERSIAN = {
    "Not found": "پیدا نشد",
    "Bad request": "درخواست نامعتبر",
    "Notifications": "اعلان‌ها",
    "Section ownership changes": "تغییر مالکیت بخش‌ها",
    "In a daily digest": "در خلاصهٔ روزانه",
    ("notification delivery", "Off"): "خاموش",
    "Recently sent to you": "اخیراً برای شما ارسال شده",
}


@pytest.fixture
def catalogue(settings, tmp_path):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN, "fa": PERSIAN})


@pytest.fixture
def ivan(db):
    user = User.objects.create_user(
        "ivan", "ivan@example.com", PASSWORD, first_name="Ivan", last_name="Petrov"
    )
    Profile.objects.create(user=user, language="ru")
    return user


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def html_tag(text) -> str:
    return re.search(r"<html[^>]*>", text).group(0)


def test_the_log_in_page_in_russian(catalogue, db):
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru").text
    assert html_tag(page) == '<html lang="ru" dir="ltr">'
    assert "<title>Вход · RevOps Portal</title>" in page
    assert '<label for="id_username">Имя пользователя</label>' in page
    # The languages' names stay each in its own language, marked so.
    assert '<select id="language-switch" name="language" translate="no">' in page
    assert '<option value="en" lang="en">English</option>' in page
    assert '<button type="submit" class="link">Сменить</button>' in page


def test_the_navigation_in_russian_keeps_the_persons_name_as_written(catalogue, ivan):
    page = signed_in(ivan).get("/playbook/").text
    assert html_tag(page) == '<html lang="ru" dir="ltr">'
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    assert ">Плейбук</a>" in nav and ">Карта показателей</a>" in nav
    assert '<span class="whoami" translate="no" dir="auto">Ivan Petrov</span>' in page
    assert ">Уведомления</a>" in page and ">Выйти</button>" in page


def test_the_notification_settings_page_in_persian(catalogue, ivan):
    Profile.objects.filter(user=ivan).update(language="fa")
    Notification.objects.create(
        recipient=ivan,
        kind=kinds.FLAG,
        key="flag:1",
        subject="Pricing was flagged",
        delivery="digest",
    )
    page = signed_in(ivan).get("/notifications/").text
    assert html_tag(page) == '<html lang="fa" dir="rtl">'
    assert "<h1>اعلان‌ها</h1>" in page
    assert '<th scope="row">تغییر مالکیت بخش‌ها</th>' in page
    assert "در خلاصهٔ روزانه</label>" in page and "خاموش</label>" in page
    assert "<h2>اخیراً برای شما ارسال شده</h2>" in page
    # What was sent stays as it was written.
    assert '<span translate="no" dir="auto">Pricing was flagged</span>' in page


def test_the_settings_pages_messages_are_russian(catalogue, ivan):
    browser = signed_in(ivan)
    data = {f"kind_{key}": "instant" for key in kinds.KINDS}
    refused = browser.post("/notifications/", {**data, "webhook_url": "http://hooks.slack.com/x"})
    assert "Адрес вебхука должен начинаться с https://." in refused.text
    saved = browser.post("/notifications/", {**data, "webhook_format": "slack"}, follow=True)
    assert "Настройки уведомлений сохранены." in saved.text


def test_not_found_in_persian(catalogue, ivan):
    Profile.objects.filter(user=ivan).update(language="fa")
    page = signed_in(ivan).get("/no-such-page/")
    assert page.status_code == 404
    assert html_tag(page.text) == '<html lang="fa" dir="rtl">'
    assert "<h1>پیدا نشد</h1>" in page.text


def test_a_bad_request_in_persian(catalogue, db, settings):
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    page = Client().get("/accounts/login/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="fa")
    assert page.status_code == 400
    assert html_tag(page.text) == '<html lang="fa" dir="rtl">'
    assert "<h1>درخواست نامعتبر</h1>" in page.text


def test_the_500_and_503_pages_in_russian(catalogue, rf):
    with translation.override("ru"):
        try:
            raise ZeroDivisionError
        except ZeroDivisionError:
            broken = server_error(rf.get("/playbook/"))
        unavailable = service_unavailable()
    assert broken.status_code == 500
    assert html_tag(broken.content.decode()) == '<html lang="ru" dir="ltr">'
    assert "<h1>Что-то пошло не так</h1>" in broken.content.decode()
    assert unavailable.status_code == 503
    assert "Попробуйте через 10 секунд." in unavailable.content.decode()


def test_the_locked_out_page_in_russian(catalogue, ivan, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    browser = Client(HTTP_ACCEPT_LANGUAGE="ru")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        answer = browser.post("/accounts/login/", {"username": "ivan", "password": "wrong"})
    assert answer.status_code == 429
    text = re.sub(r"\s+", " ", answer.text)
    assert "<h1>Слишком много неудачных попыток входа</h1>" in text
    assert f"После {settings.AXES_FAILURE_LIMIT} неудачных попыток вход приостановлен." in text
