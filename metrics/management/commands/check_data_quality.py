"""check_data_quality: run the data-quality check here and now and print its findings."""

from django.core.management.base import BaseCommand

from metrics import quality_checks


class Command(BaseCommand):
    help = (
        "Run the data-quality check now (it also runs after every import) and print each "
        "finding's count; the Data page (/metrics/data/) lists their records."
    )

    def handle(self, *args, **options):
        check = quality_checks.check_now()
        for finding in quality_checks.findings():
            state = " (accepted)" if finding.accepted else ""
            self.stdout.write(f"{finding.count:>8}  {finding.title}{state}")
            if finding.impact:
                self.stdout.write(f"          {finding.impact}")
        self.stdout.write(f"Checked in {check.duration_ms} ms.")
