from django.core.management.base import BaseCommand

from playbook.reminders import review_reminders, send_review_reminders


class Command(BaseCommand):
    help = "E-mail section owners (and the champions) about sections due or overdue for review."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print the e-mails; send none.")

    def handle(self, *args, dry_run: bool, **options):
        if dry_run:
            for reminder in review_reminders():
                self.stdout.write(f"To: {reminder.recipient.email}\nSubject: {reminder.subject}\n")
                self.stdout.write(reminder.body + "\n")
            return
        sent = send_review_reminders()
        self.stdout.write(f"Sent {sent} review reminder(s) (each once a week).")
