"""The change counter: one number that moves whenever a table whose rows pages keep is written.

What a page keeps under it (the trust line's owners, imports and findings; a section's pages,
flags and metric links; the playbook's table of contents and pages for each reader) stays right as long as the number stays the same, so a kept request
reads this one number instead of those rows. Database triggers move it, one
`ChangeMarker` row per watched table, in the writing transaction: a reader sees the new number
exactly when it sees the new rows (a reader that read the old number and then the new rows
keeps new rows under an old number, which only costs a render), and writers of different tables
never wait for each other. It is the same for every gunicorn worker and Celery process, as it
lives in the database. Reading it is one query over a table of a dozen rows.

The tables watched (migrations/0001_change_markers.py, 0002_readers_rights_assets_runs.py and
0003_records_and_permissions.py, `WATCHED`; a new one needs a migration): users (their names and
e-mail only, not each login's `last_login`), metric owners, findings, targets, record imports,
metric runs, sections and pages, revisions, flags, metric links, content assets and their tags;
each reader's visits, watches and "I have read this"; what decides a reader's rights on
sections (group memberships, groups' names, the sections' object permissions) and Django's
model permissions (users' and groups' permissions, the permissions); the CRM records the
drill-downs list as they are (accounts, opportunities, leads, spend, forecasts, teams).
"""

from collections.abc import Collection

from django.db import connection

# Asked by every kept page: written as SQL, as the ORM would spend more time building it than
# the database answering it.
_TOTAL = "SELECT COALESCE(SUM(version), 0) FROM kept_changemarker"  # ChangeMarker's table


def version(*, ignoring: Collection[str] = ()) -> int:
    """The number of writes to every watched table so far: it only grows (one query).

    `ignoring`: tables whose writes cannot change what the caller keeps (a page that shows no
    figures ignores metric runs), so they don't make it again; every other watched table,
    one added later included, still counts."""
    with connection.cursor() as cursor:
        if ignoring:
            places = ", ".join(["%s"] * len(ignoring))
            cursor.execute(f'{_TOTAL} WHERE "table" NOT IN ({places})', list(ignoring))
        else:
            cursor.execute(_TOTAL)
        return int(cursor.fetchone()[0])
