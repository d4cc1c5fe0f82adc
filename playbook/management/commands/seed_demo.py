from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from metrics.demo import seed_demo_crm
from metrics.services import compute_now
from playbook.seeding import DEMO_DIR, DemoContentError, seed_playbook


class Command(BaseCommand):
    help = (
        "Load demo users, playbook content and a year of CRM data, then compute the metrics "
        "(development only; safe to run twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=DEMO_DIR,
            help="Folder of <slug>/<NN>-<username>.md files and images/ (default: playbook/demo).",
        )

    def handle(self, *args, content_dir: Path, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a published password: it only runs with DEBUG on."
            )
        try:
            report = seed_playbook(content_dir=content_dir, media_root=Path(settings.MEDIA_ROOT))
        except DemoContentError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("Playbook demo data:")
        for line in report.lines():
            self.stdout.write(f"  {line}")
        crm = seed_demo_crm()
        self.stdout.write(
            f"CRM demo data ({crm.first_day} to {crm.last_day}): {crm.accounts} accounts, "
            f"{crm.opportunities} opportunities, {crm.subscriptions} subscriptions, "
            f"{crm.spend} spend rows, {crm.forecasts} forecasts."
        )
        run = compute_now(trigger="command")
        self.stdout.write(f"Metrics computed: run {run.pk} {run.status}.")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
