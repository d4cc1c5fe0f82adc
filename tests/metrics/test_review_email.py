"""The Monday e-mail (metrics/review_email.py, `send_weekly_review`, the beat task): who gets it,
what it says, exactly one per recipient and week, sent only after commit, nothing without a run."""

import logging
import socket
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from metrics import review_email, reviews, tasks
from metrics.models import ActionItem, MetricTarget, ReviewEmail, ReviewSubscription
from metrics.periods import MONTH, Period
from tests.metrics.dashboard_support import make_persona, make_user, store_figures
from tests.metrics.factories import MetricRunFactory

pytestmark = pytest.mark.django_db

W47, W48 = Period.week(2026, 47), Period.week(2026, 48)
OCTOBER, NOVEMBER = Period.month(2026, 10), Period.month(2026, 11)
MONDAY_AFTER_W48 = date(2026, 11, 30)


def run_with_figures():
    """ARR 1,000 → 1,250 week on week (+25%) and 800 → 1,000 month on month; win rate 40%
    in W48 against a 50% target with a 5-point amber band (red)."""
    run = MetricRunFactory()
    for period, arr in ((W47, 1000), (W48, 1250), (OCTOBER, 800), (NOVEMBER, 1000)):
        store_figures(run, keys=["arr"], periods=[period], value=lambda k, i, a=arr: Decimal(a))
    store_figures(run, keys=["win_rate"], periods=[W48], value=lambda k, i: Decimal("0.4"))
    MetricTarget.objects.create(
        key="win_rate", value=Decimal("0.5"), direction="higher", amber_band=Decimal("0.05")
    )
    return run


def with_email(user, address=None):
    user.email = address or f"{user.username}@example.com"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def people():
    """A manager (subscribed by default), a reader (not), a manager with no e-mail address."""
    manager = with_email(make_persona("manager"))
    reader = with_email(make_persona("reader"))
    return {"manager": manager, "reader": reader}


def send(**kwargs):
    return review_email.send_weekly_review(today=MONDAY_AFTER_W48, **kwargs)


def test_managers_get_it_by_default_and_anyone_may_change_that(people):
    manager, reader = people["manager"], people["reader"]
    champion = with_email(make_persona("champion"))
    superuser = with_email(make_user("boss", is_staff=True, is_superuser=True))
    assert list(review_email.subscribers()) == [manager, superuser]
    for user in (manager, reader, champion, superuser):
        assert review_email.is_subscribed(user) == (user in (manager, superuser))

    reader_client, manager_client = Client(), Client()
    reader_client.force_login(reader)
    manager_client.force_login(manager)
    assert "E-mail it to me" in reader_client.get("/reviews/").content.decode()
    assert reader_client.post("/reviews/email/", {"subscribed": "1"}).status_code == 302
    assert manager_client.post("/reviews/email/", {"subscribed": "0"}).status_code == 302
    assert list(review_email.subscribers()) == [reader, superuser]
    assert "Stop e-mailing me" in reader_client.get("/reviews/").content.decode()
    assert ReviewSubscription.objects.get(user=manager).subscribed is False


def test_inactive_users_and_users_without_an_address_get_nothing(people):
    people["manager"].is_active = False
    people["manager"].save()
    no_address = make_user("manager-without-address", is_staff=True, is_superuser=True)
    assert not no_address.email
    assert list(review_email.subscribers()) == []


def test_exactly_one_email_per_recipient_and_week_sent_after_commit(
    people, django_capture_on_commit_callbacks
):
    run_with_figures()
    reader = people["reader"]
    review_email.set_subscribed(user=reader, subscribed=True)
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = send()
        # Claimed, not sent: the mail waits for the commit.
        assert mail.outbox == []
        assert ReviewEmail.objects.filter(week=W48.code(), sent_at=None).count() == 2
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com", "reader@example.com"]
    assert outcome.week == W48 and len(outcome.recipients) == 2
    assert ReviewEmail.objects.filter(week=W48.code(), sent_at__isnull=False).count() == 2

    # The job runs again (beat fired twice, someone ran the command by hand): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = send()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_weekly_review", "--week", W48.code(), stdout=StringIO())
    assert len(mail.outbox) == 2
    assert again.recipients == [] and again.already_sent == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_job_mails_nobody_and_a_committed_one_mails_once(people):
    run_with_figures()
    with pytest.raises(RuntimeError), transaction.atomic():
        send()
        raise RuntimeError("the job failed after claiming")
    assert mail.outbox == [] and not ReviewEmail.objects.exists()

    with transaction.atomic():
        send()
        assert mail.outbox == []  # still inside the transaction
    assert [m.to[0] for m in mail.outbox] == ["manager@example.com"]
    send()
    assert len(mail.outbox) == 1


def test_nothing_is_sent_without_a_completed_run_and_the_log_says_why(people, caplog):
    caplog.set_level(logging.WARNING, logger="metrics.review_email")
    MetricRunFactory(status="failed")
    with caplog.at_level(logging.WARNING):
        outcome = send()
    assert mail.outbox == [] and not ReviewEmail.objects.exists()
    assert "no metric run has completed yet" in outcome.reason
    assert outcome.reason in caplog.text

    run = MetricRunFactory()  # completed, but computed nothing for W48
    store_figures(run, keys=["arr"], periods=[W47])
    out = StringIO()
    call_command("send_weekly_review", "--week", W48.code(), stdout=out)
    assert mail.outbox == [] and not ReviewEmail.objects.exists()
    assert f"({run.pk}, finished" in out.getvalue() and "no figures for that week" in caplog.text


def test_a_dry_run_sends_and_records_nothing(people, django_capture_on_commit_callbacks):
    run_with_figures()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("send_weekly_review", "--week", W48.code(), "--dry-run", stdout=out)
    assert callbacks == [] and mail.outbox == [] and not ReviewEmail.objects.exists()
    text = out.getvalue()
    assert (
        "To: manager@example.com" in text
        and "Subject: Weekly revenue review: Week 48, 2026" in text
    )
    assert "Dry run: 1 e-mail(s) for 2026-W48 not sent" in text


def test_the_email_has_the_figures_changes_targets_items_and_links(people, settings):
    settings.SITE_URL = "https://revops.example.com"
    run = run_with_figures()
    manager = people["manager"]
    review = reviews.open_review(week=W48, by=manager)
    reviews.add_action_item(
        review=review, text="Call the churned accounts & O'Brien's", owner=manager,
        due_date=date(2026, 11, 27), by=manager,
    )  # fmt: skip
    done = reviews.add_action_item(
        review=review, text="Already done", owner=manager, due_date=date(2026, 11, 27), by=manager
    )
    reviews.mark_done(review=review, item=done, by=manager)
    [email] = send(dry_run=True).messages

    assert email.subject == "Weekly revenue review: Week 48, 2026"
    text, (html, mimetype) = email.body, email.alternatives[0]
    assert mimetype == "text/html"
    for body in (text, html):
        assert f"run {run.pk}" in body
        assert "Last week · Week 48, 2026" in body and "The month so far · November 2026" in body
        assert "$1,250" in body and "+25.0%" in body  # ARR week on week
        assert "$1,000" in body and "vs October 2026" in body  # ARR month on month
        assert "Call the churned accounts" in body and "Already done" not in body
        assert "https://revops.example.com/reviews/2026-W48/" in body
        assert "https://revops.example.com/metrics/?period=2026-W48" in body
    assert "[RED: target 50.0%]" in text and "(overdue)" in text
    assert "Call the churned accounts & O'Brien's" in text  # plain text: not HTML-escaped
    assert "Call the churned accounts &amp; O&#x27;Brien&#x27;s" in html
    assert 'class="status-red"' in html and "overdue" in html
    assert "<script" not in html


def test_a_refused_mail_frees_its_claim_for_the_next_run(
    people, settings, django_capture_on_commit_callbacks
):
    run_with_figures()
    with socket.socket() as closed:  # a port nobody listens on: the mail server is down
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        send()
    assert not ReviewEmail.objects.exists()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        send()
    assert [m.to[0] for m in mail.outbox] == ["manager@example.com"]


def test_the_beat_task_runs_on_monday_mornings(people):
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-weekly-review-email"]
    assert entry["task"] == "metrics.tasks.send_weekly_review_email"
    assert entry["schedule"].day_of_week == {1}
    assert tasks.send_weekly_review_email.name == entry["task"]
    assert tasks.send_weekly_review_email() == 0  # no run: nothing sent
    assert mail.outbox == []


def test_open_items_listed_are_bounded(people):
    run_with_figures()
    manager = people["manager"]
    review = reviews.open_review(week=W48, by=manager)
    for n in range(review_email.MAX_ITEMS_LISTED + 5):
        ActionItem.objects.create(review=review, text=f"Item {n}", due_date=date(2026, 12, 1))
    summary = review_email.weekly_summary(W48, review.run)
    assert summary.open_item_count == review_email.MAX_ITEMS_LISTED + 5
    assert len(summary.open_items) == review_email.MAX_ITEMS_LISTED
    assert summary.month == NOVEMBER and summary.month.kind == MONTH
