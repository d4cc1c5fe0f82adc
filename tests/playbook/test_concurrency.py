"""N writers on the same base at once → exactly one new revision.

Needs real PostgreSQL row locks: run in bin/test's PostgreSQL pass."""

import threading

import pytest
from django.db import connection, connections

from playbook import services
from playbook.models import Revision, Section

from .factories import UserFactory

WRITERS = 8


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restored_sections")
def test_concurrent_saves_on_the_same_base_make_exactly_one_revision():
    if connection.vendor != "postgresql":
        pytest.fail("This test needs PostgreSQL (set DATABASE_URL); run it in the services pass.")
    section = Section.objects.get(slug="target-audience")
    authors = UserFactory.create_batch(WRITERS)
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(author):
        try:
            barrier.wait(timeout=10)
            services.save_revision(
                section=Section.objects.get(pk=section.pk),
                author=author,
                title="Target audience",
                body=f"Written by {author.username}",
                change_note="race",
                base_number=1,
            )
            result = "saved"
        except services.StaleEditError as error:
            result = f"stale:{error.current.number}"
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            result = f"error:{error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(author,)) for author in authors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["saved"] + ["stale:2"] * (WRITERS - 1)
    assert list(Revision.objects.filter(section=section).values_list("number", flat=True)) == [2, 1]
    section.refresh_from_db()
    assert section.current_revision.number == 2
    assert section.current_revision.body.startswith("Written by ")
