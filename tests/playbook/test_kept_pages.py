"""What the playbook's pages keep between requests (issue 10, pages): a text's figures are
resolved once per run, day, language and time zone; the Success metrics cards once per run, day,
language and time zone; the reader's own parts (edit buttons, read and unread, watching) are
read for each request. A new revision, a new run, another language or another reader never see
what was kept for someone or something else."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from metrics.models import MetricRun, MetricValue
from metrics.periods import Period
from playbook import services, shortcodes
from playbook.markdown import render_markdown, render_revision
from playbook.models import Section
from tests.metrics.factories import MetricRunFactory, MetricTargetFactory, MetricValueFactory

from .conftest import add_sample_page, run_with_win_rate
from .factories import UserFactory

WIN_RATE_TEXT = "Win rate {{ metric:win_rate period=2017-12 }}."
URL = reverse("playbook:section", args=["success-metrics"])


def write(section: Section, body: str, author=None) -> None:
    section.refresh_from_db()
    services.save_revision(
        section=section, author=author or UserFactory(), title=section.title, body=body,
        change_note="test", base_number=section.current_number,
    )  # fmt: skip


def queries_of(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured.captured_queries)


@pytest.mark.django_db
def test_kept_figures_are_the_fresh_ones_and_cost_one_query():
    run_with_win_rate("0.425")
    fresh, first_queries = queries_of(lambda: str(render_markdown(WIN_RATE_TEXT)))
    kept, kept_queries = queries_of(lambda: str(render_markdown(WIN_RATE_TEXT)))
    assert "42.5%" in kept and kept == fresh
    assert kept_queries == 1 < first_queries  # only which run is the latest


@pytest.mark.django_db
def test_a_new_run_shows_its_figures_at_once():
    run_with_win_rate("0.425")
    assert "42.5%" in render_markdown(WIN_RATE_TEXT)
    run_with_win_rate("0.5")
    shown = str(render_markdown(WIN_RATE_TEXT))
    assert "50.0%" in shown and "42.5%" not in shown


@pytest.mark.django_db
def test_the_same_run_finishing_at_another_time_is_another_run():
    # SQLite may give a rolled-back run's id to the next one: its finish time tells them apart.
    run = run_with_win_rate("0.425")
    assert "42.5%" in render_markdown(WIN_RATE_TEXT)
    MetricValue.objects.of_run(run).update(value=Decimal("0.61"))
    MetricRun.objects.filter(pk=run.pk).update(finished_at=run.finished_at.replace(year=2027))
    assert "61.0%" in render_markdown(WIN_RATE_TEXT)


@pytest.mark.django_db
def test_each_language_gets_its_own_figures():
    run_with_win_rate("0.425")
    with translation.override("pl"):
        polish = str(render_markdown(WIN_RATE_TEXT))
    with translation.override("fa"):
        persian = str(render_markdown(WIN_RATE_TEXT))
    english = str(render_markdown(WIN_RATE_TEXT))
    assert "42,5" in polish and "۴۲٫۵" in persian and "42.5%" in english
    with translation.override("pl"):
        assert str(render_markdown(WIN_RATE_TEXT)) == polish  # kept, still Polish


@pytest.mark.django_db
def test_relative_periods_follow_the_day():
    run = MetricRunFactory()
    for month, value in ((11, "0.3"), (12, "0.4")):
        period = Period.month(2017, month)
        MetricValueFactory(
            run=run, key="win_rate", period_start=period.start, period_end=period.end,
            value=Decimal(value),
        )  # fmt: skip
    tokens = shortcodes.protect("{{ metric:win_rate period=last_month }}")
    in_december = shortcodes.expand(f"<p>{tokens}</p>", today=date(2017, 12, 15))
    in_january = shortcodes.expand(f"<p>{tokens}</p>", today=date(2018, 1, 15))
    assert "30.0%" in in_december and "40.0%" in in_january


@pytest.mark.django_db
def test_a_new_revision_of_the_section_shows_at_once(client):
    run_with_win_rate("0.425")
    client.force_login(UserFactory(is_staff=True))
    section = Section.objects.get(slug="success-metrics")
    write(section, "First " + WIN_RATE_TEXT)
    assert "First Win rate" in client.get(URL).content.decode()
    write(section, "Second " + WIN_RATE_TEXT)
    page = client.get(URL).content.decode()
    assert "Second Win rate" in page and "First Win rate" not in page and "42.5%" in page


def live_metric_run(value: str) -> MetricRun:
    """A run with a headline card's figure for last month (the Success metrics cards)."""
    run = MetricRunFactory()
    period = Period.month(2017, 12)
    for key in ("win_rate", "arr"):
        MetricValueFactory(
            run=run, key=key, period_start=period.start, period_end=period.end,
            value=Decimal(value),
        )  # fmt: skip
    return run


def cards_of(page: str) -> str:
    start = page.index('class="live-metrics"')
    return page[start : page.index("</section>", start)]


@pytest.mark.django_db
def test_the_live_cards_follow_the_run_and_the_language(client):
    client.force_login(UserFactory(is_staff=True))
    live_metric_run("0.425")
    first = cards_of(client.get(URL).content.decode())
    assert "42.5%" in first
    assert cards_of(client.get(URL).content.decode()) == first  # kept
    live_metric_run("0.5")
    second = cards_of(client.get(URL).content.decode())
    assert "50.0%" in second and "42.5%" not in second
    polish = cards_of(client.get(URL, HTTP_ACCEPT_LANGUAGE="pl").content.decode())
    assert "50,0" in polish and "Live metrics" not in polish


@pytest.mark.django_db
def test_the_live_cards_follow_a_new_target_within_the_run(client):
    """A target shows on its card: setting one moves the change counter the cards are kept
    under, so the next reader sees it without waiting for a new run."""
    client.force_login(UserFactory(is_staff=True))
    live_metric_run("0.425")
    first = cards_of(client.get(URL).content.decode())
    assert "target-" not in first
    MetricTargetFactory(key="win_rate", value=Decimal("0.6"))
    second = cards_of(client.get(URL).content.decode())
    assert "target-red" in second and "60.0%" in second


@pytest.mark.django_db
def test_each_reader_sees_their_own_buttons_reading_and_watching(personas, section):
    """Requests alternate between readers: nothing kept for one shows for the other."""
    owner, reader = personas["owner"], personas["reader"]
    clients = {}
    for user in (owner, reader):
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    url = reverse("playbook:section", args=[section.slug])
    edit = reverse("playbook:edit", args=[section.slug])

    def page(user):
        return clients[user.username].get(url).content.decode()

    assert edit in page(owner) and edit not in page(reader)
    clients["owner"].post(reverse("playbook:watch", args=[section.slug]), {"watch": "1"})
    clients["reader"].post(reverse("playbook:mark_read", args=[section.slug]))
    owner_page, reader_page = page(owner), page(reader)
    assert 'id="pb-unwatch"' in owner_page and 'id="pb-watch"' in reader_page
    assert "You have read this revision." in reader_page
    assert "I have read this" in owner_page and "You have read" not in owner_page
    write(section, "A newer text.", author=owner)
    reader_page = page(reader)
    assert "changed since you last read it" in reader_page  # visited revision 1, now 2
    assert "You read revision" in reader_page  # marked read before, not this one
    assert "changed since you last read it" in page(owner)  # saved it, had not seen it yet
    assert "changed since you last read it" not in page(owner)  # now seen


@pytest.mark.django_db
def test_the_table_of_contents_shows_each_reader_their_own_edit_links_and_badges(personas, section):
    owner, reader = personas["owner"], personas["reader"]
    edit = reverse("playbook:edit", args=[section.slug])
    owner_client, reader_client = Client(), Client()
    owner_client.force_login(owner)
    reader_client.force_login(reader)
    toc = reverse("playbook:index")
    assert edit in owner_client.get(toc).content.decode()
    assert edit not in reader_client.get(toc).content.decode()
    reader_client.get(reverse("playbook:section", args=[section.slug]))  # reads revision 1
    write(section, "Changed.", author=owner)
    assert "changed since you last read it" in reader_client.get(toc).content.decode()
    assert "changed since you last read it" not in owner_client.get(toc).content.decode()


@pytest.mark.django_db
def test_the_section_page_costs_the_same_queries_with_1_or_60_shortcodes(client):
    run_with_win_rate("0.425")
    client.force_login(UserFactory(is_staff=True))
    section = Section.objects.get(slug="success-metrics")
    counts = []
    for count in (1, 60):
        write(section, " ".join(["{{ metric:win_rate period=2017-12 }}"] * count) + "\n\n" + (
            "\n\n".join(f"{{{{ metric:arr period=2017-{n % 12 + 1:02d} }}}}" for n in range(count))
        ))  # fmt: skip
        client.get(URL)  # renders and keeps
        _, queries = queries_of(lambda: client.get(URL))
        counts.append(queries)
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_table_of_contents_costs_the_same_queries_with_2_or_30_pages(client_as, section):
    client = client_as("reader")
    url = reverse("playbook:index")
    counts = []
    for pages in (2, 30):
        while section.pages.count() < pages:
            add_sample_page(section, slug=f"page-{section.pages.count()}")
        client.get(url)
        _, queries = queries_of(lambda: client.get(url))
        counts.append(queries)
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_revision_keeps_its_html_apart_from_another_revisions(client):
    run_with_win_rate("0.425")
    section = Section.objects.get(slug="success-metrics")
    write(section, "Text **A** " + WIN_RATE_TEXT)
    first = Section.objects.select_related("current_revision").get(pk=section.pk)
    write(section, "Text **B** " + WIN_RATE_TEXT)
    second = Section.objects.select_related("current_revision").get(pk=section.pk)
    a, b = (
        str(render_revision(first.current_revision)),
        str(render_revision(second.current_revision)),
    )
    assert "<strong>A</strong>" in a and "<strong>B</strong>" in b and "42.5%" in a and "42.5%" in b


@pytest.mark.django_db
def test_the_print_page_asks_for_the_latest_run_once_however_many_texts_have_figures(client):
    run_with_win_rate("0.425")
    client.force_login(UserFactory(is_staff=True))
    url = reverse("playbook:print")
    sections = list(Section.objects.filter(parent=None).order_by("position")[:3])
    counts = []
    for how_many in (1, 3):
        for section in sections[:how_many]:
            write(section, f"{section.slug}: " + WIN_RATE_TEXT)
        client.get(url)
        page, queries = queries_of(lambda: client.get(url).content.decode())
        assert page.count("42.5%") == how_many
        counts.append(queries)
    assert counts[0] == counts[1]
