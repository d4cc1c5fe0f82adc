"""The page's language: the person's choice (saved on the profile, kept across log-ins), else the
cookie set on the log-in page, else Accept-Language, else LANGUAGE_CODE; Persian right to left."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from revops_portal.profiles.models import Profile

LOGIN = reverse("login")
SWITCH = reverse("profiles:language")


def html_tag(page) -> str:
    return re.search(r"<html[^>]*>", page.text).group(0)


@pytest.fixture
def person(db):
    return User.objects.create_user("ana", "ana@example.com", "a-long-password-1")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.5", '<html lang="ru" dir="ltr">'),
        ("fa-IR,fa;q=0.9", '<html lang="fa" dir="rtl">'),
        ("pl", '<html lang="pl" dir="ltr">'),
        ("de-DE,de;q=0.9", '<html lang="en" dir="ltr">'),  # not offered: the site's default
    ],
)
def test_the_browser_language_chooses_when_nobody_has(accept, expected):
    page = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE=accept)
    assert page.status_code == 200
    assert html_tag(page) == expected
    assert page["Content-Language"] == re.search(r'lang="(\w+)"', expected).group(1)


@pytest.mark.django_db
def test_the_switcher_on_the_log_in_page_sets_the_browser_cookie():
    browser = Client()
    answer = browser.post(SWITCH, {"language": "fa", "next": LOGIN})
    assert answer.status_code == 302 and answer["Location"] == LOGIN
    page = browser.get(LOGIN, HTTP_ACCEPT_LANGUAGE="ru")
    assert html_tag(page) == '<html lang="fa" dir="rtl">'
    assert '<option value="fa" lang="fa" selected>فارسی</option>' in page.text


@pytest.mark.django_db
def test_a_persons_choice_is_saved_on_the_profile_and_follows_them_to_a_new_browser(person):
    first = Client()
    first.force_login(person)
    answer = first.post(SWITCH, {"language": "pl", "next": reverse("playbook:index")})
    assert answer.status_code == 302
    assert Profile.objects.get(user=person).language == "pl"
    assert html_tag(first.get(reverse("playbook:index"))) == '<html lang="pl" dir="ltr">'
    # Another browser asking for Russian: the person's choice wins once they log in.
    second = Client(HTTP_ACCEPT_LANGUAGE="ru")
    assert html_tag(second.get(LOGIN)) == '<html lang="ru" dir="ltr">'
    second.post(LOGIN, {"username": "ana", "password": "a-long-password-1"})
    assert html_tag(second.get(reverse("playbook:index"))) == '<html lang="pl" dir="ltr">'


@pytest.mark.django_db
def test_a_language_picked_on_the_log_in_page_is_saved_on_the_profile_at_log_in(person):
    first = Client(HTTP_ACCEPT_LANGUAGE="en")
    first.post(SWITCH, {"language": "ro", "next": LOGIN})
    assert not Profile.objects.filter(user=person).exists()  # nobody signed in yet
    first.post(LOGIN, {"username": "ana", "password": "a-long-password-1"})
    assert Profile.objects.get(user=person).language == "ro"
    second = Client(HTTP_ACCEPT_LANGUAGE="en")  # another browser, no cookie
    second.post(LOGIN, {"username": "ana", "password": "a-long-password-1"})
    assert html_tag(second.get(reverse("playbook:index"))) == '<html lang="ro" dir="ltr">'


@pytest.mark.django_db
def test_a_saved_choice_wins_over_the_log_in_pages_cookie(person):
    Profile.objects.create(user=person, language="pl")
    browser = Client()
    browser.post(SWITCH, {"language": "fa", "next": LOGIN})
    browser.post(LOGIN, {"username": "ana", "password": "a-long-password-1"})
    assert Profile.objects.get(user=person).language == "pl"
    assert html_tag(browser.get(reverse("playbook:index"))) == '<html lang="pl" dir="ltr">'


@pytest.mark.django_db
def test_choosing_the_browsers_language_again_clears_the_choice(person):
    browser = Client(HTTP_ACCEPT_LANGUAGE="ro")
    browser.force_login(person)
    browser.post(SWITCH, {"language": "fa"})
    answer = browser.post(SWITCH, {"language": ""})
    assert Profile.objects.get(user=person).language == ""
    assert answer.cookies["django_language"].value == ""  # deleted
    assert html_tag(browser.get(reverse("playbook:index"))) == '<html lang="ro" dir="ltr">'


@pytest.mark.django_db
def test_an_unknown_language_is_a_400_and_an_outside_address_is_not_followed(person):
    browser = Client()
    browser.force_login(person)
    assert browser.post(SWITCH, {"language": "xx"}).status_code == 400
    assert not Profile.objects.filter(user=person).exists()
    answer = browser.post(SWITCH, {"language": "ru", "next": "https://evil.example.com/"})
    assert answer["Location"] == "/"


@pytest.mark.django_db
def test_the_switch_needs_the_csrf_token(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    assert browser.post(SWITCH, {"language": "ru"}).status_code == 403
    assert not Profile.objects.filter(user=person).exists()
