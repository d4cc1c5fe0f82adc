"""Metric owners: the person who answers for a metric's definition and approves a change of it or
of its target. Named by RevOps managers on the metric page or in the admin."""

from django.core.exceptions import PermissionDenied

from . import catalog
from .models import MetricOwner
from .permissions import can_set_metric_owner


def set_owner(*, key: str, owner, set_by) -> MetricOwner | None:
    """Name the owner of a metric (None: nobody). Returns the stored owner."""
    if key not in catalog.BY_KEY:
        raise ValueError(f"No metric {key!r}.")
    if not can_set_metric_owner(set_by):
        raise PermissionDenied("Only RevOps managers name a metric's owner.")
    if owner is None:
        MetricOwner.objects.filter(key=key).delete()
        return None
    stored, _ = MetricOwner.objects.update_or_create(
        key=key, defaults={"owner": owner, "set_by": set_by}
    )
    return stored
