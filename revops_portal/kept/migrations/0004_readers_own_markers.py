"""A reader's own rows (visits, watches, "I have read this") move a marker of that reader's
(`playbook_watch:42`) instead of the table's (revops_portal/kept/changes.py `READERS_OWN`): a
page kept for one reader that shows only their state of these tables is not made again by
another reader's writes. A row written moves its reader's marker (an update moving a row to
another reader, both); a TRUNCATE, which names no row, still moves the table's own marker,
which every page reading the table counts.

PostgreSQL: a row-level trigger (the reader is read from the row by the column's name) and the
statement-level one of 0002 kept for TRUNCATE only; SQLite: one trigger per kind of write."""

import importlib

from django.db import migrations

first = importlib.import_module("revops_portal.kept.migrations.0001_change_markers")

# Frozen here, as in 0001: the table and the column naming the row's reader.
READERS_OWN = {
    "playbook_sectionvisit": "user_id",
    "playbook_watch": "user_id",
    "playbook_reading": "user_id",
}

_BUMP = (
    "INSERT INTO kept_changemarker (\"table\", version) VALUES ({marker}, 1) "
    'ON CONFLICT ("table") DO UPDATE SET version = kept_changemarker.version + 1'
)

_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION kept_bump_reader_marker() RETURNS trigger AS $$ "
    "BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
    + _BUMP.format(marker="TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0])")
    + "; END IF; "
    "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
    + _BUMP.format(marker="TG_TABLE_NAME || ':' || (to_jsonb(NEW) ->> TG_ARGV[0])")
    + "; END IF; "
    "RETURN NULL; "
    "END; $$ LANGUAGE plpgsql"
)


def _per_reader(apps, schema_editor):
    first.drop_triggers(schema_editor, READERS_OWN)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION)
    for table, column in READERS_OWN.items():
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER kept_change_{table} AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION kept_bump_change_marker()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER kept_reader_change_{table} AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION kept_bump_reader_marker('{column}')"
            )
        elif vendor == "sqlite":
            old = _BUMP.format(marker=f"'{table}:' || OLD.{column}")
            new = _BUMP.format(marker=f"'{table}:' || NEW.{column}")
            for name, event, bumps in (
                ("insert", "INSERT", [new]),
                ("update", "UPDATE", [old, new]),
                ("delete", "DELETE", [old]),
            ):
                schema_editor.execute(
                    f"CREATE TRIGGER kept_change_{table}_{name} AFTER {event} ON {table} "
                    f"BEGIN {'; '.join(bumps)}; END"
                )


def _per_table(apps, schema_editor):
    first.drop_triggers(schema_editor, READERS_OWN)
    if schema_editor.connection.vendor == "postgresql":
        for table in READERS_OWN:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS kept_reader_change_{table} ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS kept_bump_reader_marker()")
    first.create_triggers(schema_editor, dict.fromkeys(READERS_OWN))


class Migration(migrations.Migration):
    dependencies = [("kept", "0003_records_and_permissions")]

    operations = [migrations.RunPython(_per_reader, _per_table)]
