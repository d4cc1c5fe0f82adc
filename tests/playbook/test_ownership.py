"""Owners, champions and object permissions, including the admin path."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from guardian.shortcuts import assign_perm

from playbook import permissions, services
from playbook.models import Section, SectionUserObjectPermission

from .factories import UserFactory


def fresh(user):
    """Re-fetch: guardian and Django cache permissions on the user object."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
def test_assigning_an_owner_grants_edit_on_that_section_only(section, other_section):
    owner = UserFactory()
    services.assign_owner(section=section, owner=owner, assigned_by=None)
    assert Section.objects.get(pk=section.pk).owner == owner
    assert permissions.can_edit(fresh(owner), section)
    assert not permissions.can_edit(fresh(owner), other_section)


@pytest.mark.django_db
def test_reassigning_an_owner_revokes_the_old_owners_edit_right(client_as, section, personas):
    old_owner, new_owner = personas["owner"], UserFactory()
    assert permissions.can_edit(fresh(old_owner), section)
    services.assign_owner(section=section, owner=new_owner, assigned_by=personas["manager"])
    assert not permissions.can_edit(fresh(old_owner), section)
    assert not permissions.can_restore(fresh(old_owner), Section.objects.get(pk=section.pk))
    assert permissions.can_edit(fresh(new_owner), section)
    assert client_as("owner").get(reverse("playbook:edit", args=[section.slug])).status_code == 403
    assert not SectionUserObjectPermission.objects.filter(user=old_owner).exists()


@pytest.mark.django_db
def test_the_champion_reassigns_an_owner_in_the_portal_and_the_edit_right_moves(
    client_as, section, personas
):
    new_owner = UserFactory(first_name="Nia", last_name="Park")
    page = client_as("champion").get(reverse("playbook:owner", args=[section.slug]))
    assert b"Nia Park" in page.content
    response = client_as("champion").post(
        reverse("playbook:owner", args=[section.slug]), {"owner": new_owner.pk}, follow=True
    )
    assert b"is now owned by Nia Park" in response.content
    assert permissions.can_edit(fresh(new_owner), section)
    assert not permissions.can_edit(fresh(personas["owner"]), section)
    shown = client_as("champion").get(reverse("playbook:section", args=[section.slug]))
    assert reverse("playbook:owner", args=[section.slug]).encode() in shown.content
    hidden = client_as("owner").get(reverse("playbook:section", args=[section.slug]))
    assert reverse("playbook:owner", args=[section.slug]).encode() not in hidden.content


@pytest.mark.django_db
def test_unassigning_the_owner_leaves_nobody_with_object_rights(section, personas):
    services.assign_owner(section=section, owner=None, assigned_by=personas["manager"])
    assert Section.objects.get(pk=section.pk).owner is None
    assert not SectionUserObjectPermission.objects.filter(content_object=section).exists()


@pytest.mark.django_db
def test_a_model_level_change_permission_grants_no_section(section):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="change_section"))
    assert fresh(user).has_perm("playbook.change_section")  # Django would say yes...
    assert not permissions.can_edit(fresh(user), section)  # ...the playbook does not.


@pytest.mark.django_db
def test_an_object_permission_granted_in_the_admin_lets_a_non_owner_edit_but_not_restore(section):
    helper = UserFactory()
    assign_perm("playbook.change_section", helper, section)
    assert permissions.can_edit(fresh(helper), section)
    assert not permissions.can_restore(fresh(helper), section)


@pytest.mark.django_db
def test_a_group_object_permission_lets_its_members_edit(section, other_section):
    group = Group.objects.create(name="Marketing team")
    member = UserFactory()
    member.groups.add(group)
    assign_perm("playbook.change_section", group, section)
    assert permissions.editable_section_ids(fresh(member), Section.objects.all()) == {section.pk}


@pytest.mark.django_db
def test_champions_and_superusers_edit_every_section_and_readers_none(personas):
    sections = list(Section.objects.all())
    every = {s.pk for s in sections}
    assert permissions.editable_section_ids(personas["champion"], sections) == every
    assert permissions.editable_section_ids(personas["manager"], sections) == every
    assert permissions.editable_section_ids(personas["reader"], sections) == set()
    assert permissions.can_assign_owner(personas["champion"])
    assert permissions.can_assign_owner(personas["manager"])
    assert not permissions.can_assign_owner(personas["owner"])
    assert not permissions.can_assign_owner(personas["reader"])


@pytest.mark.django_db
def test_an_inactive_owner_can_do_nothing(section, personas):
    owner = personas["owner"]
    owner.is_active = False
    owner.save()
    owner = fresh(owner)
    assert not permissions.can_edit(owner, section)
    assert not permissions.can_restore(owner, Section.objects.get(pk=section.pk))


@pytest.mark.django_db
def test_changing_the_owner_in_the_admin_moves_the_edit_permission(client_as, section, personas):
    new_owner = UserFactory()
    url = reverse("admin:playbook_section_change", args=[section.pk])
    client = client_as("manager")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Target audience (ICP)",
            "team": "marketing",
            "owner": new_owner.pk,
            "review_interval_days": 30,
            "revisions-TOTAL_FORMS": "1",
            "revisions-INITIAL_FORMS": "1",
            "revisions-MIN_NUM_FORMS": "0",
            "revisions-MAX_NUM_FORMS": "0",
            "revisions-0-id": section.current_revision_id,
            "revisions-0-section": section.pk,
            "metric_links-TOTAL_FORMS": "1",  # and a metric the section depends on
            "metric_links-INITIAL_FORMS": "0",
            "metric_links-MIN_NUM_FORMS": "0",
            "metric_links-MAX_NUM_FORMS": "1000",
            "metric_links-0-metric_key": "win_rate",
            "metric_links-0-threshold": "3",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Section.objects.get(pk=section.pk)
    assert list(saved.metric_links.values_list("metric_key", "threshold")) == [
        ("win_rate", Decimal("3.00"))
    ]
    assert (saved.owner, saved.title, saved.review_interval_days) == (
        new_owner,
        "Target audience (ICP)",
        30,
    )
    assert permissions.can_edit(fresh(new_owner), saved)
    assert not permissions.can_edit(fresh(personas["owner"]), saved)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"), [("reader", 403), ("champion", 200), ("manager", 200)]
)
def test_the_section_admin_is_for_champions_and_managers_not_readers(client_as, persona, status):
    response = client_as(persona).get(reverse("admin:playbook_section_changelist"))
    assert response.status_code == status
