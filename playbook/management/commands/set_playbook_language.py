from django.conf import settings
from django.core.management.base import BaseCommand

from playbook.guidance import set_playbook_language


class Command(BaseCommand):
    help = (
        "Put the ten seeded sections into a language: every section's guiding questions, and "
        "the title and text of the sections nobody has written in yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("language", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, language: str, **options):
        result = set_playbook_language(language)
        self.stdout.write(
            f"Guiding questions in {language}: {result.guidance} section(s) changed; "
            f"{result.rewritten} untouched section(s) retitled and rewritten."
        )
