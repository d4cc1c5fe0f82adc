"""metrics.permissions, the one place that decides who reads, recomputes, imports and sets
targets, asked directly with personas; the views and the admin are covered in their own tests."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User

from metrics import permissions

pytestmark = pytest.mark.django_db


def person(name: str, *codenames: str, **flags) -> User:
    user = User.objects.create_user(username=name, password="x", **flags)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def test_every_active_user_reads_figures_and_records_but_an_anonymous_one_does_not():
    reader = person("reader")
    assert permissions.can_read(reader) and permissions.can_read_records(reader)
    assert not permissions.can_read(AnonymousUser())
    assert not permissions.can_read_records(AnonymousUser())


def test_recomputing_needs_add_metricrun_or_a_superuser():
    assert permissions.can_recompute(person("manager", "add_metricrun"))
    assert permissions.can_recompute(person("root", is_superuser=True))
    assert not permissions.can_recompute(person("staff", is_staff=True))
    assert not permissions.can_recompute(AnonymousUser())


def test_importing_needs_staff_with_add_importjob_or_a_superuser():
    assert permissions.can_import(person("importer", "add_importjob", is_staff=True))
    assert permissions.can_import(person("root", is_superuser=True))
    assert not permissions.can_import(person("not-staff", "add_importjob"))
    assert not permissions.can_import(person("recomputer", "add_metricrun", is_staff=True))


def test_an_import_job_opens_for_its_uploader_and_superusers_only():
    from metrics.models import ImportJob

    uploader = person("uploader", "add_importjob", is_staff=True)
    colleague = person("colleague", "add_importjob", is_staff=True)
    job = ImportJob(kind="accounts", created_by=uploader)
    assert permissions.can_open_import_job(uploader, job)
    assert permissions.can_open_import_job(person("root", is_staff=True, is_superuser=True), job)
    assert not permissions.can_open_import_job(colleague, job)
    orphan = ImportJob(kind="accounts", created_by=None)
    assert not permissions.can_open_import_job(uploader, orphan)


def test_an_inactive_user_may_do_nothing_whatever_their_permissions():
    retired = person("retired", "add_metricrun", "add_importjob", is_staff=True, is_active=False)
    assert not permissions.can_read(retired)
    assert not permissions.can_recompute(retired)
    assert not permissions.can_import(retired)
    assert not permissions.can_set_targets(retired)


def test_targets_follow_the_admin_permission_per_action_and_change_includes_view():
    editor = person("editor", "change_metrictarget", is_staff=True)
    assert permissions.can_set_targets(editor, "change")
    assert permissions.can_set_targets(editor, "view")
    assert not permissions.can_set_targets(editor, "add")
    assert not permissions.can_set_targets(editor, "delete")
    assert permissions.can_set_targets(person("root", is_staff=True, is_superuser=True), "delete")
    assert not permissions.can_set_targets(person("outsider", "change_metrictarget"))
    with pytest.raises(ValueError):
        permissions.can_set_targets(editor, "publish")
