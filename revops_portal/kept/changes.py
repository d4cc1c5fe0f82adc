"""The change counter: numbers that move whenever a table whose rows pages keep is written.

What a page keeps under it (the trust line's owners, imports and findings; a section's pages,
flags and metric links; the playbook's table of contents and pages for each reader) stays right
as long as the number of the tables it shows stays the same, so a kept request reads that one
number instead of those rows. Database triggers move it, one `ChangeMarker` row per watched
table, in the writing transaction: a reader sees the new number exactly when it sees the new
rows (a reader that read the old number and then the new rows keeps new rows under an old
number, which only costs a render), and writers of different tables never wait for each other.
It is the same for every gunicorn worker and Celery process, as it lives in the database.
Reading it is one query over a few rows found by their key.

Each kept page reads only the tables whose rows it can show or whose rows decide what its
reader may do (`Reads`, below: `CONTENTS`, `SECTION_PAGE`, `DASHBOARDS`, `DRILLDOWNS`), so a
write it cannot show leaves it kept. A reader's own rows (visits, watches, "I have read this")
move a marker of their own (`playbook_watch:42`, migrations/0004_readers_own_markers.py): a
page that shows only its reader's state of them is not made again by another reader's visit.

The tables watched (migrations/0001_change_markers.py to 0006; a new one needs a migration):
users (their names and e-mail changed, or a user deleted: not each login's `last_login`, nor a
new user, whom no page shows before a row it shows names them), metric owners, findings,
targets, record imports, metric runs, sections and pages, revisions, flags, metric links,
content assets and their tags; each reader's visits, watches and "I have read this"; what
decides a reader's rights on sections (group memberships, groups' names, the sections' object
permissions) and Django's model permissions (users' and groups' permissions, the permissions);
the CRM records the drill-downs list as they are (accounts, opportunities, leads, spend,
forecasts, teams); subscriptions, for the metrics engine's kept totals. Metric runs are watched
but read by no page: the pages that show figures read which succeeded run is the latest in the
same query as their counter (a run's progress writes never make them again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection

# Who may do what: every page kept for a reader reads them (group memberships, a group's name
# — the champions are a group by name —, sections' object permissions, model permissions).
RIGHTS = (
    "auth_user_groups", "auth_group", "playbook_sectionuserobjectpermission",
    "playbook_sectiongroupobjectpermission", "auth_user_user_permissions",
    "auth_group_permissions", "auth_permission",
)  # fmt: skip
# People's names and e-mail, shown beside sections, revisions, owners, targets and imports.
PEOPLE = ("auth_user",)
# The CRM records the drill-downs list as they are.
CRM_RECORDS = (
    "metrics_account", "metrics_opportunity", "metrics_lead", "metrics_spend",
    "metrics_forecast", "metrics_team",
)  # fmt: skip
# Tables each of whose rows belongs to one reader (the column naming them): a marker per reader.
READERS_OWN = {
    "playbook_sectionvisit": "user_id",
    "playbook_watch": "user_id",
    "playbook_reading": "user_id",
}
# Watched, and shown by no kept page (figures are read by run: see above; subscriptions only
# for the metrics engine's kept totals, metrics/calculations/kept.py).
READ_BY_NO_PAGE = ("metrics_metricrun", "metrics_subscription")


@dataclass(frozen=True)
class Reads:
    """The watched tables one kept page depends on: `tables`, whose every write counts, and of
    `readers_own` (READERS_OWN) only its reader's rows (and a TRUNCATE)."""

    name: str
    tables: tuple[str, ...]
    readers_own: tuple[str, ...] = ()


# The table of contents: sections and pages, their revisions (recent changes), people's names,
# the reader's rights and the reader's own visits ("changed since you last read it").
CONTENTS = Reads(
    "contents",
    ("playbook_section", "playbook_revision", *PEOPLE, *RIGHTS),
    readers_own=("playbook_sectionvisit",),
)
# A section's or page's body: the section, its pages, revision, flags, metric links, the
# assets a text lists, people's names, the reader's rights, and the targets the Success
# metrics section's cards show; the reader's own visit, watch and reading. Its figures are
# the latest succeeded run's (read with the counter, `metrics.selectors.latest_run_and_changes`):
# a text without figures is made again when a run succeeds, not when one progresses. It
# shows no CRM record, owner, finding or import.
SECTION_PAGE = Reads(
    "section",
    (
        "playbook_section", "playbook_revision", "playbook_flag", "playbook_metriclink",
        "playbook_asset", "playbook_assettag", "playbook_asset_tags", "metrics_metrictarget",
        *PEOPLE, *RIGHTS,
    ),
    readers_own=("playbook_sectionvisit", "playbook_watch", "playbook_reading"),
)  # fmt: skip
# The scorecard and a metric's page: the run's figures (read with the counter), the targets,
# and the trust line's owners, last imports and findings, people's names, the reader's
# rights. Not the CRM records (the figures are the run's), nor the playbook.
DASHBOARDS = Reads(
    "dashboards",
    (
        "metrics_metricowner", "metrics_datafinding", "metrics_metrictarget",
        "metrics_recordimport", *PEOPLE, *RIGHTS,
    ),
)  # fmt: skip
# A drill-down: the CRM records it lists (the accounts' and new customers' listings are the
# run's, read with the counter). Who may read records is asked at each request, outside.
DRILLDOWNS = Reads("drilldowns", CRM_RECORDS)
# Every marker: what the tests watch move.
EVERYTHING = Reads("everything", ())


class Version(NamedTuple):
    """The counter of one `Reads` for one reader: `shared` (the writes every reader sees) and
    `own` (the reader's own rows'); both only grow. Numbers of different `Reads` are never
    compared: the name is part of it."""

    reads: str
    shared: int
    own: int = 0

    @property
    def for_everyone(self) -> tuple[str, int]:
        """What a part kept for every reader is keyed by (none of the reader's own rows)."""
        return (self.reads, self.shared)


def marker_of(table: str, reader_id: int) -> str:
    """The marker of `reader_id`'s rows of a READERS_OWN table (as the triggers name it)."""
    return f"{table}:{reader_id}"


def counter_sql(reads: Reads, reader_id: int | None = None) -> tuple[str, list]:
    """The counter of `reads` as two SQL expressions, `kept_shared` and `kept_own`, over
    ChangeMarker's table, and their parameters: written as SQL, as every kept page asks and the
    ORM would spend more time building it than the database answering it."""
    table, column = "kept_changemarker", '"table"'  # ChangeMarker's
    if reads is EVERYTHING:
        return f"(SELECT COALESCE(SUM(version), 0) FROM {table}) AS kept_shared, 0 AS kept_own", []  # noqa: S608
    if reads.readers_own and reader_id is None:
        raise ValueError(f"The counter of {reads.name} is a reader's.")
    # A TRUNCATE of a reader's table moves the table's own marker: shared.
    shared = [*reads.tables, *reads.readers_own]
    own = [marker_of(t, reader_id) for t in reads.readers_own]
    places = ", ".join(["%s"] * (len(shared) + len(own)))
    own_places = ", ".join(["%s"] * len(own)) or "NULL"
    sql = (
        f"(SELECT COALESCE(SUM(CASE WHEN {column} IN ({own_places}) THEN 0 ELSE version END), 0) "  # noqa: S608
        f"FROM {table} WHERE {column} IN ({places})) AS kept_shared, "
        f"(SELECT COALESCE(SUM(version), 0) FROM {table} WHERE {column} IN ({own_places})) "
        "AS kept_own"
    )
    return sql, [*own, *shared, *own, *own]


def version(reads: Reads = EVERYTHING, *, reader=None) -> Version:
    """The number of writes to the tables of `reads` so far (of `reader`'s own rows too, when
    it has some): one query."""
    sql, params = counter_sql(reads, reader.pk if reader is not None else None)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        shared, own = cursor.fetchone()
    return Version(reads.name, int(shared), int(own))
