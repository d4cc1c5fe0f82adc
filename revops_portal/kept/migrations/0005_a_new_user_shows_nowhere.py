"""A new user's row moves no counter (revops_portal/kept/changes.py `PEOPLE`): no kept page
shows a user until a row it shows names them (a section's owner, a revision's author, a
metric's owner, a target's or an import's author: writes of tables the pages read), and what
a user may do is read from their own row at each request. So a new user's first login no
longer makes every reader's pages again. Their names and e-mail changed, or the user deleted,
still move it (0001)."""

import importlib

from django.db import migrations

first = importlib.import_module("revops_portal.kept.migrations.0001_change_markers")

_NAMES = ", ".join(first.WATCHED["auth_user"])


def _not_on_insert(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS kept_change_auth_user ON auth_user")
        schema_editor.execute(
            f"CREATE TRIGGER kept_change_auth_user AFTER UPDATE OF {_NAMES} OR DELETE OR "
            "TRUNCATE ON auth_user FOR EACH STATEMENT EXECUTE FUNCTION kept_bump_change_marker()"
        )
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS kept_change_auth_user_insert")


def _on_insert_too(apps, schema_editor):
    first.drop_triggers(schema_editor, {"auth_user": None})
    first.create_triggers(schema_editor, {"auth_user": first.WATCHED["auth_user"]})


class Migration(migrations.Migration):
    dependencies = [("kept", "0004_readers_own_markers")]

    operations = [migrations.RunPython(_not_on_insert, _on_insert_too)]
