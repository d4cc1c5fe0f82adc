"""The change counter: one number that moves whenever a table whose rows pages keep is written.

What a page keeps under it (the trust line's owners, imports and findings; a section's pages,
flags and metric links) stays right as long as the number stays the same, so a kept request
reads this one number instead of those rows. Database triggers move it, one
`ChangeMarker` row per watched table, in the writing transaction: a reader sees the new number
exactly when it sees the new rows (a reader that read the old number and then the new rows
keeps new rows under an old number, which only costs a render), and writers of different tables
never wait for each other. It is the same for every gunicorn worker and Celery process, as it
lives in the database. Reading it is one query over a table of a dozen rows.

The tables watched (migrations/0001_change_markers.py, `WATCHED`; a new one needs a migration):
users (their names and e-mail only, not each login's `last_login`), metric owners, findings,
targets, record imports, sections and pages, revisions, flags, metric links.
"""

from django.db.models import Sum

from .models import ChangeMarker


def version() -> int:
    """The number of writes to every watched table so far: it only grows (one query)."""
    return ChangeMarker.objects.aggregate(total=Sum("version", default=0))["total"]
