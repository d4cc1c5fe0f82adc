"""More tables move the change counter (revops_portal/kept/changes.py), so that the playbook's
table of contents and pages can be kept whole for each reader: what a reader has visited,
watches and marked read; what decides their rights on sections (group memberships, a group's
name: the champions are a group by name; the sections' object permissions); the content assets
a text lists; and metric runs (which run is the latest decides a text's figures). The triggers
are those of 0001, on these tables."""

import importlib

from django.db import migrations

first = importlib.import_module("revops_portal.kept.migrations.0001_change_markers")

# Frozen here, as in 0001: every change of these rows shows on a kept page.
WATCHED = {
    "playbook_sectionvisit": None,
    "playbook_watch": None,
    "playbook_reading": None,
    "auth_user_groups": None,
    "auth_group": None,
    "playbook_sectionuserobjectpermission": None,
    "playbook_sectiongroupobjectpermission": None,
    "playbook_asset": None,
    "playbook_assettag": None,
    "playbook_asset_tags": None,
    "metrics_metricrun": None,
}


def _add_triggers(apps, schema_editor):
    first.create_triggers(schema_editor, WATCHED)  # kept_bump_change_marker() is 0001's


def _drop_triggers(apps, schema_editor):
    first.drop_triggers(schema_editor, WATCHED)


class Migration(migrations.Migration):
    dependencies = [
        ("kept", "0001_change_markers"),
        ("metrics", "0022_opportunity_fewer_indexes"),
    ]

    operations = [migrations.RunPython(_add_triggers, _drop_triggers)]
