"""Subscriptions move the change counter too (revops_portal/kept/changes.py): the metrics
engine's kept totals (metrics/calculations/kept.py) derive the accounts' MRR from them and are
made again when they are written. No page reads them as they are (the accounts' listings are a
run's). The triggers are those of 0001."""

import importlib

from django.db import migrations

first = importlib.import_module("revops_portal.kept.migrations.0001_change_markers")

# Frozen here, as in 0001 to 0003.
WATCHED = {"metrics_subscription": None}


def _add_triggers(apps, schema_editor):
    first.create_triggers(schema_editor, WATCHED)


def _drop_triggers(apps, schema_editor):
    first.drop_triggers(schema_editor, WATCHED)


class Migration(migrations.Migration):
    dependencies = [("kept", "0005_a_new_user_shows_nowhere")]

    operations = [migrations.RunPython(_add_triggers, _drop_triggers)]
