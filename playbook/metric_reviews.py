"""Metric-triggered reviews: a section names the metrics it depends on (MetricLink); when a
successful run shows one moved past its threshold between the last complete month and the
month before, the section becomes due with the reason ("Win rate fell from 63 % to 55 % in
2026-10") and its owner is told. Once per link and month, however many runs see the move."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from metrics import catalog
from metrics.cuts import ALL_CUT
from metrics.periods import MONTH, Period
from metrics.presentation import format_value
from metrics.selectors import default_period, stored_values
from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify

from .models import MetricLink, MetricTrigger, Section
from .permissions import active_champions

DEFAULT_RATE_POINTS = Decimal(5)  # rates (unit "ratio"): a change of more than 5 points
DEFAULT_PERCENT = Decimal(10)  # anything else: a relative change of more than 10 %


@dataclass(frozen=True)
class Move:
    link: MetricLink
    period: Period
    previous: Decimal
    current: Decimal

    @property
    def reason(self) -> str:
        """Why the section is due ("Win rate fell from 63 % to 55 % in 2026-10"), in the
        current language."""
        key = self.link.metric_key
        names = {
            "metric": catalog.BY_KEY[key].name,
            "previous": _figure(self.previous, key),
            "current": _figure(self.current, key),
            "period": self.period.code(),
        }
        if self.current > self.previous:
            return _("%(metric)s rose from %(previous)s to %(current)s in %(period)s") % names
        return _("%(metric)s fell from %(previous)s to %(current)s in %(period)s") % names


def is_rate(key: str) -> bool:
    return catalog.BY_KEY[key].unit == "ratio"


def threshold_of(link: MetricLink) -> Decimal:
    if link.threshold is not None:
        return link.threshold
    return DEFAULT_RATE_POINTS if is_rate(link.metric_key) else DEFAULT_PERCENT


def metric_name(link: MetricLink) -> str:
    definition = catalog.BY_KEY.get(link.metric_key)
    return definition.name if definition else link.metric_key


def threshold_text(link: MetricLink) -> str:
    names = {"value": f"{threshold_of(link).normalize():f}"}
    if is_rate(link.metric_key):
        return _("%(value)s points") % names
    return _("%(value)s %% change") % names


def _figure(value: Decimal, key: str) -> str:
    if is_rate(key):
        return f"{value * 100:.0f} %"
    return format_value(value, catalog.BY_KEY[key].unit)


def move_past_threshold(link: MetricLink, previous, current, period: Period) -> Move | None:
    """The move from ``previous`` to ``current`` if it exceeds the link's threshold."""
    if previous is None or current is None:
        return None
    if is_rate(link.metric_key):
        change = abs(current - previous) * 100
    elif previous == 0:
        return None  # no relative change from nothing
    else:
        change = abs(current - previous) / abs(previous) * 100
    if change <= threshold_of(link):
        return None
    return Move(link=link, period=period, previous=previous, current=current)


def moves_in_run(run) -> list[Move]:
    """The linked metrics the run shows past their threshold (a fixed few queries)."""
    links = list(MetricLink.objects.select_related("section__owner").order_by("pk"))
    if not links:
        return []
    period = default_period(run, MONTH)
    before = period.previous()
    values = stored_values(run, {link.metric_key for link in links}, [before, period], ALL_CUT)
    moves = []
    for link in links:
        previous = values.get((link.metric_key, before.start))
        current = values.get((link.metric_key, period.start))
        move = move_past_threshold(
            link,
            previous.value if previous else None,
            current.value if current else None,
            period,
        )
        if move is not None:
            moves.append(move)
    return moves


def _tell_owner(move: Move, section: Section, trigger: MetricTrigger) -> None:
    """The owner (else the champions) is told, each in their language (notify calls the
    subject and body per recipient)."""

    def names():
        return {
            "section": section.title,
            "reason": move.reason,
            "threshold": threshold_text(move.link),
        }

    def body():
        return (
            _(
                "“%(section)s” depends on this figure and is now due for review: %(reason)s "
                "(threshold %(threshold)s)."
            )
            % names()
        )

    notify(
        recipients=[section.responsible_owner] if section.responsible_owner else active_champions(),
        kind=kinds.METRIC_REVIEW,
        key=f"metric-review:{trigger.pk}",
        subject=lambda: _("Playbook: please review “%(section)s”: %(reason)s") % names(),
        body=body,
        url=reverse("playbook:section", args=[section.slug]),
    )


def review_sections_after_run(*, run) -> list[MetricTrigger]:
    """Make due every section whose linked metric moved past its threshold in this run, and
    tell its owner; returns the triggers recorded now (none for a move seen before)."""
    recorded = []
    for move in moves_in_run(run):
        # Kept on the section in the site's language (whoever started the run); each
        # notification below is written in its recipient's.
        with translation.override(settings.LANGUAGE_CODE):
            reason = move.reason
        try:
            with transaction.atomic():
                trigger = MetricTrigger.objects.create(
                    link=move.link,
                    run_id=run.pk,
                    period_start=move.period.start,
                    previous=move.previous,
                    current=move.current,
                    reason=reason,
                )
                section = move.link.section
                Section.objects.filter(pk=section.pk).update(
                    review_requested_at=timezone.now(), review_request_reason=reason
                )
                _tell_owner(move, section, trigger)
        except IntegrityError:  # this link's move in this month was seen by an earlier run
            continue
        recorded.append(trigger)
    return recorded
