"""What the portal tells people about: one entry per kind, shown on the settings page.

A feature that notifies adds its kind here (the key is stored; keep it stable).
"""

from dataclasses import dataclass


class Delivery:
    INSTANT = "instant"
    DIGEST = "digest"
    OFF = "off"
    CHOICES = [
        (INSTANT, "Instantly"),
        (DIGEST, "In a daily digest"),
        (OFF, "Off"),
    ]


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
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
        Kind(REVIEW_REMINDER, "Playbook sections of yours due for review (Mondays)"),
        Kind(FLAG, "Flags on sections you own or champion"),
        Kind(SECTION_CHANGED, "Changes to sections you watch"),
        Kind(OWNERSHIP, "Section ownership changes"),
        Kind(METRIC_REVIEW, "Sections due for review because a metric moved"),
        Kind(EXPORT_READY, "Playbook PDF and archive exports ready"),
        Kind(SYNC_STOPPED, "CRM connections of yours that stopped syncing"),
    ]
}
