"""The change counter (revops_portal/kept/changes.py): every write of a watched table moves it,
however it is written (a model's save, `QuerySet.update`, a bulk insert, a delete, raw SQL),
and nothing else does; on PostgreSQL a reader sees it move only when the write commits."""

import threading

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, connections, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from metrics.freshness import record_import
from metrics.models import DataFinding, MetricOwner, MetricRun, MetricTarget
from playbook import services as playbook_services
from playbook.models import (
    Asset,
    AssetTag,
    Flag,
    MetricLink,
    OwnershipChange,
    Reading,
    Section,
    SectionVisit,
    Watch,
)
from revops_portal.kept import changes

pytestmark = pytest.mark.django_db


def moves(write) -> bool:
    before = changes.version()
    write()
    return changes.version() > before


def test_every_kind_of_write_to_a_watched_table_moves_it():
    user = User.objects.create_user("ana", "ana@example.com")
    section = Section.objects.select_related("current_revision").order_by("position").first()
    champions = Group.objects.get_or_create(name="Playbook champions")[0]
    writes = {
        "a user's name (update)": lambda: User.objects.filter(pk=user.pk).update(last_name="B"),
        "a user's e-mail (save)": lambda: (setattr(user, "email", "b@example.com"), user.save()),
        "an owner": lambda: MetricOwner.objects.create(key="arr", owner=user),
        "a finding": lambda: DataFinding.objects.create(
            code="closed_before_created", title="t", count=1, metric_keys=["win_rate"]
        ),
        "findings accepted (update)": lambda: DataFinding.objects.update(accepted_count=1),
        "a target": lambda: MetricTarget.objects.create(key="arr", value=1, direction="higher"),
        "targets deleted": lambda: MetricTarget.objects.all().delete(),
        "an import": lambda: record_import(kind="accounts", rows_written=1, via="test"),
        "a revision": lambda: playbook_services.save_revision(
            section=section,
            author=user,
            title="T",
            body="b",
            change_note="",
            base_number=section.current_number,
        ),  # fmt: skip
        "a section (update)": lambda: Section.objects.filter(pk=section.pk).update(title="X"),
        "flags (bulk)": lambda: Flag.objects.bulk_create(
            [Flag(section=section, raised_by=user, comment="outdated")]
        ),
        "a metric link": lambda: MetricLink.objects.create(section=section, metric_key="arr"),
        "raw SQL": lambda: connection.cursor().execute("UPDATE playbook_section SET title = title"),
        # A reader's own state and rights (the playbook's pages are kept for each reader).
        "a visit": lambda: SectionVisit.objects.create(
            section=section, user=user, revision_number=1
        ),
        "a visit of a new revision (update)": lambda: SectionVisit.objects.update(
            revision_number=2
        ),
        "a watch": lambda: Watch.objects.create(section=section, user=user),
        "I have read this": lambda: Reading.objects.create(
            section=section, user=user, revision=section.current_revision
        ),
        "a group's member": lambda: user.groups.add(champions),
        "a group renamed": lambda: Group.objects.filter(pk=champions.pk).update(name="Others"),
        "an object permission": lambda: assign_perm("playbook.change_section", user, section),
        "a group's object permission": lambda: assign_perm(
            "playbook.change_section", champions, section
        ),
        # What texts show: asset lists and figures (which run is the latest).
        "an asset tag": lambda: AssetTag.objects.create(kind="persona", name="CFO"),
        "an asset": lambda: Asset.objects.create(
            title="Guide", link="https://example.com/", kind="guide", stage="decision"
        ),
        "an asset's tags": lambda: Asset.objects.get().tags.add(AssetTag.objects.get()),
        "a metric run": lambda: MetricRun.objects.create(),
        "a run finished (update)": lambda: MetricRun.objects.update(status="succeeded"),
    }
    for what, write in writes.items():
        assert moves(write), what


def test_a_login_a_new_user_or_an_unwatched_table_does_not_move_it():
    user = User.objects.create_user("ana")
    assert not moves(lambda: User.objects.filter(pk=user.pk).update(last_login=timezone.now()))
    # No page shows a user until a row it shows names them (kept.0005).
    assert not moves(lambda: User.objects.create_user("bob", first_name="Bob"))
    assert moves(lambda: User.objects.filter(username="bob").delete())
    section = Section.objects.order_by("position").first()
    assert not moves(
        lambda: OwnershipChange.objects.create(section=section, new_owner=user, changed_by=user)
    )


def test_a_pages_counter_moves_with_its_own_tables_and_its_readers_own_rows_only():
    ana, bob = User.objects.create_user("ana"), User.objects.create_user("bob")
    section = Section.objects.order_by("position").first()
    reads = changes.Reads("test", ("playbook_metriclink",), readers_own=("playbook_watch",))

    def moves_for(reader, write) -> bool:
        before = changes.version(reads, reader=reader)
        write()
        return changes.version(reads, reader=reader) != before

    assert not moves_for(ana, lambda: Flag.objects.create(section=section, raised_by=ana))
    assert moves_for(ana, lambda: MetricLink.objects.create(section=section, metric_key="arr"))
    assert moves_for(ana, lambda: Watch.objects.create(section=section, user=ana))
    assert not moves_for(ana, lambda: Watch.objects.create(section=section, user=bob))
    assert not moves_for(ana, lambda: Watch.objects.filter(user=bob).delete())
    assert moves_for(ana, lambda: Watch.objects.filter(user=ana).delete())
    # A row moved to another reader moves both readers' counters.
    Watch.objects.create(section=section, user=bob)
    assert moves_for(ana, lambda: Watch.objects.update(user=ana))
    assert moves_for(bob, lambda: Watch.objects.update(user=bob))
    with pytest.raises(ValueError):
        changes.version(reads)  # a reader's counter needs the reader


def _in_another_connection(work):
    """`work()` on a thread of its own, i.e. in another database connection and transaction."""
    result = []

    def run():
        try:
            result.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=20)
    assert result, "the other connection did not answer"
    return result[0]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_others_see_it_move_when_the_write_commits_and_never_wait():
    if connection.vendor != "postgresql":
        pytest.fail("This is about PostgreSQL's transactions (set DATABASE_URL).")
    user = User.objects.create_user("ana")
    before = _in_another_connection(changes.version)

    def write_an_owner_within_a_second():
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        MetricOwner.objects.create(key="arr", owner=user)
        return True

    with transaction.atomic():
        MetricTarget.objects.create(key="arr", value=1, direction="higher")
        assert changes.version() > before  # the writer sees its own write
        assert _in_another_connection(changes.version) == before  # the others not yet
        # A writer of another watched table does not wait for this transaction.
        assert _in_another_connection(write_an_owner_within_a_second)
    assert _in_another_connection(changes.version).shared >= before.shared + 2


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_readers_visits_move_their_own_markers_and_never_wait_for_each_other():
    if connection.vendor != "postgresql":
        pytest.fail("This is about PostgreSQL's row triggers and locks (set DATABASE_URL).")
    ana, bob = User.objects.create_user("ana"), User.objects.create_user("bob")
    section = Section.objects.order_by("position").first()
    reads = changes.Reads("test", (), readers_own=("playbook_sectionvisit",))
    bobs = changes.version(reads, reader=bob)

    def bob_visits_within_a_second():
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        SectionVisit.objects.create(section=section, user=bob, revision_number=1)
        return changes.version(reads, reader=bob)

    with transaction.atomic():
        SectionVisit.objects.create(section=section, user=ana, revision_number=1)
        assert _in_another_connection(bob_visits_within_a_second).own == bobs.own + 1
    assert changes.version(reads, reader=bob) == _in_another_connection(
        lambda: changes.version(reads, reader=bob)
    )
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE playbook_sectionvisit")  # names no row: every reader's counter
    assert changes.version(reads, reader=ana).shared > bobs.shared
