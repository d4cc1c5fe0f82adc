"""Who may do what in the metrics app: the one place that decides. Views, admin and services ask.

* Every logged-in, active user reads the dashboards, the metric pages and the records behind
  each figure (the drill-downs).
* Recomputing the metrics: superusers and holders of ``metrics.add_metricrun``.
* Importing CRM files: superusers, and staff holding ``metrics.add_importjob`` (the RevOps
  managers who import). Every one of them sees the job list (who, when, what, outcome); an
  uploaded file and what is read from it (preview, row errors, the error report) are its
  uploader's and superusers'.
* CRM connections (metrics/sync/): the same managers see them and their sync logs and add them;
  a connection is edited, tested and synced by its owner and superusers. Its secrets are shown
  to no one.
* Weekly reviews (metrics/reviews.py): every logged-in, active user reads them; RevOps managers
  (who may recompute or import) and the playbook champions open and edit them.
* Setting targets (in the admin): superusers and staff holding the matching
  ``metrics.<action>_metrictarget`` permission.
* Data quality (metrics/quality_checks.py): every logged-in, active user reads the Data page, the
  findings and their records; RevOps managers (who may recompute or import) start a check,
  accept a finding with a note, and name each metric's owner (on the metric page or the admin).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

ADD_METRIC_RUN = "metrics.add_metricrun"
ADD_IMPORT_JOB = "metrics.add_importjob"
TARGET_ACTIONS = ("view", "add", "change", "delete")
# The playbook's champions group (playbook.permissions.CHAMPIONS_GROUP): named here, because the
# metrics app does not import the playbook; a test checks the two names agree.
CHAMPIONS_GROUP = "Playbook champions"


def _is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_read(user) -> bool:
    return _is_active_user(user)


def can_read_records(user) -> bool:
    """The drill-down pages and CSVs: the records behind a figure."""
    return can_read(user)


def can_recompute(user) -> bool:
    return _is_active_user(user) and (user.is_superuser or user.has_perm(ADD_METRIC_RUN))


def can_import(user) -> bool:
    if not _is_active_user(user):
        return False
    return user.is_superuser or (user.is_staff and user.has_perm(ADD_IMPORT_JOB))


def _holds(permission: str) -> Q:
    """Users holding `permission` ("app.codename") directly or through a group."""
    app_label, codename = permission.split(".")
    direct = Q(user_permissions__codename=codename)
    direct &= Q(user_permissions__content_type__app_label=app_label)
    grouped = Q(groups__permissions__codename=codename)
    grouped &= Q(groups__permissions__content_type__app_label=app_label)
    return direct | grouped


def revops_managers() -> QuerySet:
    """The active users `can_recompute` or `can_import` say yes to, as one query."""
    who = Q(is_superuser=True) | _holds(ADD_METRIC_RUN)
    who |= Q(is_staff=True) & _holds(ADD_IMPORT_JOB)
    matching = get_user_model().objects.filter(who).values("pk")
    return get_user_model().objects.filter(is_active=True, pk__in=matching)


def can_open_import_job(user, job) -> bool:
    """A job whose uploader was deleted is the superusers'."""
    return can_import(user) and (user.is_superuser or job.created_by_id == user.pk)


def can_set_targets(user, action: str = "change") -> bool:
    """`action` is the admin's: view, add, change or delete a target (change includes view)."""
    if action not in TARGET_ACTIONS:
        raise ValueError(f"Unknown target action {action!r}.")
    if not (_is_active_user(user) and user.is_staff):
        return False
    if user.is_superuser or user.has_perm(f"metrics.{action}_metrictarget"):
        return True
    return action == "view" and user.has_perm("metrics.change_metrictarget")


def can_run_reviews(user) -> bool:
    """Open a weekly review and edit it (notes, decisions, action items)."""
    if can_recompute(user) or can_import(user):
        return True
    return _is_active_user(user) and user.groups.filter(name=CHAMPIONS_GROUP).exists()


def can_manage_connections(user) -> bool:
    """See the CRM connections and their sync logs, add one: the RevOps managers who import."""
    return can_import(user)


def can_edit_connection(user, connection) -> bool:
    """Edit, test and sync a connection: its owner and superusers."""
    return can_manage_connections(user) and (user.is_superuser or connection.owner_id == user.pk)


def is_revops_manager(user) -> bool:
    return can_recompute(user) or can_import(user)


def can_run_quality_check(user) -> bool:
    return is_revops_manager(user)


def can_accept_findings(user) -> bool:
    return is_revops_manager(user)


def can_set_metric_owner(user) -> bool:
    return is_revops_manager(user)
