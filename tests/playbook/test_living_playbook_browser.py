"""The living playbook in a real headless Chromium: a reader flags a section and watches
another; the champion resolves the flag from the queue and reassigns a section whose owner
left; the new owner saves; the watcher's notification reaches their chat webhook (a loopback
receiver) and their e-mail; the reader sees "changed since you last read it"."""

import pytest
from django.core import mail

from playbook import services
from playbook.models import Flag, Section
from revops_portal.notifications.models import NotificationSettings
from tests.notifications.receiver import WebhookReceiver

from .factories import ChampionFactory, UserFactory
from .test_editor_browser import PASSWORD, assert_clean, browser, open_page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restored_sections")
def test_flag_watch_resolve_reassign_save_notify_and_changed_badge(live_server, browser):  # noqa: F811
    reader = UserFactory(username="reader", password=PASSWORD, is_staff=True)
    ChampionFactory(username="champion", password=PASSWORD)
    owner = UserFactory(username="owner", password=PASSWORD)
    leaver = UserFactory(username="leaver", password=PASSWORD)
    successor = UserFactory(username="successor", first_name="Sol", last_name="Reyes",
                            password=PASSWORD)  # fmt: skip
    flagged = Section.objects.get(slug="target-audience")
    watched = Section.objects.get(slug="products-and-services")
    services.assign_owner(section=flagged, owner=owner, assigned_by=None)
    services.assign_owner(section=watched, owner=leaver, assigned_by=None)
    leaver.is_active = False
    leaver.save()  # the section falls back to the champion, marked for reassignment

    with WebhookReceiver() as receiver:
        NotificationSettings.objects.create(user=reader, webhook_url=receiver.url)
        url = live_server.url

        # The reader flags one section, then reads and watches another.
        page = open_page(browser, live_server, "reader")
        page.goto(f"{url}/playbook/target-audience/")
        page.click("#pb-flag-link")
        page.fill("#id_comment", "The ICP table still lists 2024 segments")
        page.fill("#id_quote", "Mid-market")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/playbook/target-audience/")
        assert "The ICP table still lists 2024 segments" in page.locator(".pb-flags").inner_text()
        page.goto(f"{url}/playbook/products-and-services/")
        page.click("#pb-watch")
        page.wait_for_selector("#pb-unwatch")
        assert_clean(page)

        # The champion resolves the flag and reassigns the leaver's section from the queue.
        champ = open_page(browser, live_server, "champion")
        champ.goto(f"{url}/playbook/reviews/")
        flag = Flag.objects.get()
        champ.fill(f"#flag-{flag.pk} input[name=note]", "Segments updated for 2026")
        champ.click(f"#flag-{flag.pk} button[type=submit]")
        champ.wait_for_selector("text=No open flags.")
        champ.select_option('select[aria-label="New owner of Products and services"]',
                            label="Sol Reyes")  # fmt: skip
        champ.click('select[aria-label="New owner of Products and services"] + button')
        champ.wait_for_selector("text=Every section has an active owner.")
        assert_clean(champ)
        flag.refresh_from_db()
        assert flag.resolution_note == "Segments updated for 2026"
        assert Section.objects.get(pk=watched.pk).owner == successor

        # The new owner saves a revision.
        writer = open_page(browser, live_server, "successor")
        writer.goto(f"{url}/playbook/products-and-services/edit/")
        writer.locator("textarea.markdownx-editor").fill("## Plans\n\nStarter, Growth, Scale.")
        writer.fill("#id_change_note", "Renamed the plans")
        writer.click("form.pb-editor button[type=submit]")
        writer.wait_for_url(f"{url}/playbook/products-and-services/")
        assert_clean(writer)

        # The watcher is told once, by chat and by e-mail.
        changes = [p for p in receiver.received if "Renamed the plans" in p["text"]]
        assert len(changes) == 1
        assert "/playbook/products-and-services/diff/?from=" in changes[0]["text"]
        assert any(
            m.to == ["reader@example.com"] and "Renamed the plans" in m.body for m in mail.outbox
        )

        # The reader sees what changed since they last read it.
        page.goto(f"{url}/playbook/")
        badge = page.locator("a.pb-changed-badge")
        assert badge.count() == 1
        badge.click()
        page.wait_for_selector("table.pb-diff")
        assert "Starter, Growth, Scale." in page.locator("table.pb-diff").inner_text()
        assert_clean(page)
