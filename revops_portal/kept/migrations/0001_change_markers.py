"""The change counter's table and the triggers that move it (revops_portal/kept/changes.py).

One statement-level trigger per table on PostgreSQL; one trigger per table and kind of write
on SQLite. Each adds 1 to the table's own row (created on its first write)."""

from django.db import migrations, models

# Frozen here: a later change to changes.WATCHED needs its own migration.
WATCHED = {
    "auth_user": ("username", "first_name", "last_name", "email"),
    "metrics_metricowner": None,
    "metrics_datafinding": None,
    "metrics_metrictarget": None,
    "metrics_recordimport": None,
    "playbook_section": None,
    "playbook_revision": None,
    "playbook_flag": None,
    "playbook_metriclink": None,
}

BUMP = (
    "INSERT INTO kept_changemarker (\"table\", version) VALUES ('{table}', 1) "
    'ON CONFLICT ("table") DO UPDATE SET version = kept_changemarker.version + 1'
)

def create_triggers(schema_editor, watched: dict) -> None:
    """A trigger moving the counter on every write of each table of `watched` (table: the
    columns whose update counts, None for every column). 0002 adds tables with it."""
    vendor = schema_editor.connection.vendor
    for table, columns in watched.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER kept_change_{table} AFTER INSERT OR {update} OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION kept_bump_change_marker()"
            )
        elif vendor == "sqlite":
            for name, event in (("insert", "INSERT"), ("update", update), ("delete", "DELETE")):
                schema_editor.execute(
                    f"CREATE TRIGGER kept_change_{table}_{name} AFTER {event} ON {table} "
                    f"BEGIN {BUMP.format(table=table)}; END"
                )


def drop_triggers(schema_editor, watched: dict) -> None:
    vendor = schema_editor.connection.vendor
    for table in watched:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS kept_change_{table} ON {table}")
        elif vendor == "sqlite":
            for name in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS kept_change_{table}_{name}")


def _add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION kept_bump_change_marker() RETURNS trigger AS $$ "
            "BEGIN "
            'INSERT INTO kept_changemarker ("table", version) VALUES (TG_TABLE_NAME, 1) '
            'ON CONFLICT ("table") DO UPDATE SET version = kept_changemarker.version + 1; '
            "RETURN NULL; "
            "END; $$ LANGUAGE plpgsql"
        )
    create_triggers(schema_editor, WATCHED)


def _drop(apps, schema_editor):
    drop_triggers(schema_editor, WATCHED)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS kept_bump_change_marker()")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("metrics", "0021_drilldown_listings"),
        ("playbook", "0012_translated_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChangeMarker",
            fields=[
                ("table", models.CharField(max_length=63, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(_add_triggers, _drop),
    ]
