"""What the portal tells people about: one entry per kind, shown on the settings page.

A feature that notifies adds its kind here (the key is stored; keep it stable).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Delivery:
    INSTANT = "instant"
    DIGEST = "digest"
    OFF = "off"
    CHOICES = [
        (INSTANT, _("Instantly")),
        (DIGEST, _("In a daily digest")),
        (OFF, pgettext_lazy("notification delivery", "Off")),
    ]


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise  # translated when shown
    default: str = Delivery.INSTANT


REVIEW_REMINDER = "review_reminder"
FLAG = "flag"
SECTION_CHANGED = "section_changed"
OWNERSHIP = "ownership"
METRIC_REVIEW = "metric_review"
EXPORT_READY = "export_ready"
SYNC_STOPPED = "sync_stopped"

KINDS = {
    kind.key: kind
    for kind in [
        Kind(REVIEW_REMINDER, _("Playbook sections of yours due for review (Mondays)")),
        Kind(FLAG, _("Flags on sections you own or champion")),
        Kind(SECTION_CHANGED, _("Changes to sections you watch")),
        Kind(OWNERSHIP, _("Section ownership changes")),
        Kind(METRIC_REVIEW, _("Sections due for review because a metric moved")),
        Kind(EXPORT_READY, _("Playbook PDF and archive exports ready")),
        Kind(SYNC_STOPPED, _("CRM connections of yours that stopped syncing")),
    ]
}
