"""Write docs/metrics.md from the catalog, or check that it is up to date (--check)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metrics import docs


class Command(BaseCommand):
    help = (
        "Write the metric definitions (docs/metrics.md) from metrics/catalog.py. With --check, "
        "write nothing and exit 1 when the file is out of date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only check; exit 1 if stale.")
        parser.add_argument("--path", type=Path, help="Another file to write or check.")

    def handle(self, *args, **options):
        path = options["path"] or docs.default_path()
        if options["check"]:
            if not docs.is_current(path):
                raise CommandError(
                    f"{path} is out of date: run `python manage.py metrics_docs` and commit it.",
                    returncode=1,
                )
            self.stdout.write(f"{path} is up to date.")
            return
        changed = docs.write(path)
        self.stdout.write(f"Wrote {path}." if changed else f"{path} was already up to date.")
