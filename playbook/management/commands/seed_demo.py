from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from playbook.seeding import DEMO_DIR, DemoContentError, seed_playbook


class Command(BaseCommand):
    help = "Load demo users and playbook content (development only; safe to run twice)."

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
        self.stdout.write(self.style.SUCCESS("Demo playbook ready."))
