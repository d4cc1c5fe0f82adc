"""More tables move the change counter (revops_portal/kept/changes.py): the CRM records the
drill-downs list as they are (accounts, opportunities, leads, spend, forecasts, teams), so a
drill-down page is kept under it (metrics/views.py `records`) — imports, CRM syncs (which
delete too) and the admin write them, not all of which record an import; and Django's model
permissions (users' and groups' permissions, the permissions), so a dashboard page keeps what
its reader may do under it (metrics/views.py `_rights`) and a permission granted or taken shows
at once (group memberships and groups are 0002's). The triggers are those of 0001."""

import importlib

from django.db import migrations

first = importlib.import_module("revops_portal.kept.migrations.0001_change_markers")

# Frozen here, as in 0001 and 0002.
WATCHED = {
    "metrics_account": None,
    "metrics_opportunity": None,
    "metrics_lead": None,
    "metrics_spend": None,
    "metrics_forecast": None,
    "metrics_team": None,
    "auth_user_user_permissions": None,
    "auth_group_permissions": None,
    "auth_permission": None,
}


def _add_triggers(apps, schema_editor):
    first.create_triggers(schema_editor, WATCHED)  # kept_bump_change_marker() is 0001's


def _drop_triggers(apps, schema_editor):
    first.drop_triggers(schema_editor, WATCHED)


class Migration(migrations.Migration):
    dependencies = [("kept", "0002_readers_rights_assets_runs")]

    operations = [migrations.RunPython(_add_triggers, _drop_triggers)]
