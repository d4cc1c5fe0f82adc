"""Print one period's stored figures (the latest successful run) as a table or as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from metrics import catalog, cuts, periods
from metrics.selectors import period_report


class Command(BaseCommand):
    help = "Print every metric for a period from the latest successful run (a custom range is computed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            required=True,
            help="2017, 2017-Q2, 2017-06, 2017-W23 or 2017-01-01..2017-07-01",
        )
        cut = parser.add_mutually_exclusive_group()
        cut.add_argument("--segment", help="An account segment.")
        cut.add_argument("--channel", help="An acquisition channel (or a lead source: the funnel).")
        cut.add_argument("--industry", help="An account industry.")
        cut.add_argument("--owner", help="An opportunity owner.")
        cut.add_argument("--team", help="A team of opportunity owners (the teams records).")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    @translation.override("en")  # console output and JSON: English whatever LANGUAGE_CODE says
    def handle(self, *args, **options):
        try:
            period = periods.parse(options["period"])
            cut = cuts.parse_from(options)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        report = period_report(period, cut=cut)
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"{period.label()} ({period.code()}), cut: {cut.value or 'all'}")
        self.stdout.write(f"Computed at: {report['computed_at'] or 'never'}")
        for key, entry in report["metrics"].items():
            if entry["value"] is None:
                shown = f"—  ({entry['undefined_reason']})"
            elif entry["denominator"] is not None:
                shown = f"{entry['value']}  ({entry['numerator']} / {entry['denominator']})"
            else:
                shown = entry["value"]
            self.stdout.write(f"  {catalog.BY_KEY[key].name:<26} {key:<22} {shown}")
