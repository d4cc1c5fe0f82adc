"""PostgreSQL: the `portal_simple` text-search configuration that playbook/search.py uses for
languages PostgreSQL has no stemmer for (Polish, Persian): words as written, with case and
accents folded by the unaccent extension. Nothing to do on SQLite (search.py folds there)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'portal_simple') THEN
    CREATE TEXT SEARCH CONFIGURATION portal_simple (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION portal_simple
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
  END IF;
END $$;
"""
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS portal_simple;"


def on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("playbook", "0010_section_pages")]

    operations = [migrations.RunPython(on_postgres(CREATE), on_postgres(DROP))]
