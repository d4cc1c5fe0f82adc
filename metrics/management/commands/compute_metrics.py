"""Compute every metric now and wait for it: in-process when no broker is configured."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from metrics import periods, services
from metrics.models import MetricRun, MetricValue
from metrics.selectors import period_report

SUMMARY_KEYS = ("mrr", "arr", "customers", "new_customers", "win_rate", "won_amount", "cac", "ltv")


class Command(BaseCommand):
    help = (
        "Compute every metric for every month, quarter and year the records cover and their "
        f"last {periods.WEEKS_COMPUTED} ISO weeks, and wait. "
        "Runs in this process when no Celery broker is configured (or with --in-process); "
        "otherwise a worker computes it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            help="Compute only this period (2017, 2017-Q2, 2017-06 or 2017-W23; the other periods "
            "are carried over from the latest run, or all computed when there is none) and print "
            "its headline figures. A custom range (2017-01-01..2017-07-01) is printed, computed on "
            "the fly, after a full run.",
        )
        parser.add_argument(
            "--in-process", action="store_true", help="Compute here even if a broker is set."
        )
        parser.add_argument(
            "--timeout", type=int, default=1800, help="Seconds to wait for a worker (default 1800)."
        )

    def handle(self, *args, **options):
        period = None
        if options["period"]:
            try:
                period = periods.parse(options["period"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        started = time.monotonic()
        if options["in_process"] or settings.CELERY_TASK_ALWAYS_EAGER:
            try:
                run = services.compute_now(
                    trigger=MetricRun.Trigger.COMMAND,
                    period=period,
                    only=period is not None and period.kind != periods.CUSTOM,
                )
            except Exception as exc:
                raise CommandError(f"The computation failed: {exc}") from None
        else:
            run = services.request_recompute(trigger=MetricRun.Trigger.COMMAND)
            run = self._wait(run, options["timeout"])
        if run.status != MetricRun.Status.SUCCEEDED:
            raise CommandError(f"Run {run.pk} ended {run.status}: {run.error or 'no detail'}")
        count = MetricValue.objects.of_run(run).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk} succeeded: {count} figures in {time.monotonic() - started:.1f} s."
            )
        )
        if period is not None:
            report = period_report(period, run=run)
            self.stdout.write(f"{period.label()}:")
            for key in SUMMARY_KEYS:
                entry = report["metrics"][key]
                shown = (
                    entry["value"]
                    if entry["value"] is not None
                    else f"— ({entry['undefined_reason']})"
                )
                self.stdout.write(f"  {key:<16} {shown}")

    def _wait(self, run, timeout):
        deadline = time.monotonic() + timeout
        self.stdout.write(f"Run {run.pk} queued; waiting for a worker…")
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (MetricRun.Status.SUCCEEDED, MetricRun.Status.FAILED):
                return run
            time.sleep(1)
        raise CommandError(
            f"Run {run.pk} is still {run.status} after {timeout} s. Is a worker running? "
            "(Use --in-process to compute here.)"
        )
