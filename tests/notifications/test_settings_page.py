"""The user's notification settings page: a webhook address (allowed hosts only) and per-kind choices."""

from django.test import Client

from revops_portal.notifications import kinds, services
from revops_portal.notifications.models import NotificationSettings
from tests.portal.query_budgets import assert_within_budget, page_queries

SETTINGS_PAGE = "/notifications/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(**extra):
    data = {"webhook_url": "", "webhook_format": "slack"}
    data.update({f"kind_{key}": "instant" for key in kinds.KINDS})
    data.update(extra)
    return data


def test_the_page_saves_a_slack_webhook_and_a_choice_per_kind(alice):
    client = logged_in(alice)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert "In a daily digest" in page.text
    response = client.post(
        "/notifications/",
        form_data(
            webhook_url="https://hooks.slack.com/services/T0/B0/x",
            **{f"kind_{kinds.FLAG}": "digest", f"kind_{kinds.OWNERSHIP}": "off"},
        ),
    )
    assert response.status_code == 302
    saved = NotificationSettings.objects.get(user=alice)
    assert saved.webhook_url == "https://hooks.slack.com/services/T0/B0/x"
    assert saved.delivery_for(kinds.FLAG) == "digest"
    assert saved.delivery_for(kinds.OWNERSHIP) == "off"
    assert saved.delivery_for(kinds.SECTION_CHANGED) == "instant"


def test_webhooks_to_other_hosts_or_plain_http_are_refused(alice):
    client = logged_in(alice)
    for url, error in [
        ("https://intranet.example.com/hook", "not an allowed chat host"),
        ("http://hooks.slack.com/services/x", "must start with https://"),
    ]:
        response = client.post("/notifications/", form_data(webhook_url=url))
        assert response.status_code == 200
        assert error in response.text
    assert not NotificationSettings.objects.filter(user=alice).exists()


def test_a_bad_choice_is_a_form_error_not_a_crash(alice):
    response = logged_in(alice).post(
        "/notifications/", form_data(**{f"kind_{kinds.FLAG}": "hourly"})
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text


def test_the_page_costs_the_same_queries_with_1_or_40_notifications(alice):
    client = logged_in(alice)

    def sent(count):
        for n in range(count):
            services.notify(recipients=[alice], kind=kinds.FLAG, key=f"k{n}", subject=f"S{n}")

    sent(1)
    small = page_queries(client, SETTINGS_PAGE)
    sent(40)
    large = page_queries(client, SETTINGS_PAGE)
    assert small == large
    assert_within_budget(SETTINGS_PAGE, large)
