"""E-mail the subscribers the weekly review summary (what the Monday beat task does)."""

from django.core.management.base import BaseCommand, CommandError

from metrics import periods, review_email


class Command(BaseCommand):
    help = (
        "E-mail last week's figures, the month so far and the open action items to the "
        "subscribers, once per week and recipient."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--week", help="The ISO week to report, e.g. 2026-W48 (default: last week)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print who would get which e-mail; send none."
        )

    def handle(self, *args, week: str | None, dry_run: bool, **options):
        period = None
        if week:
            try:
                period = periods.parse(week)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            if period.kind != periods.WEEK:
                raise CommandError(f"{week!r} is not an ISO week: use 2026-W48.")
        outcome = review_email.send_weekly_review(week=period, dry_run=dry_run)
        if outcome.reason:
            self.stdout.write(outcome.reason)
            return
        if dry_run:
            for email in outcome.messages:
                self.stdout.write(f"To: {email.to[0]}\nSubject: {email.subject}\n\n{email.body}")
            self.stdout.write(
                f"Dry run: {len(outcome.messages)} e-mail(s) for {outcome.week.code()} not sent "
                f"({outcome.already_sent} sent before)."
            )
            return
        self.stdout.write(
            f"{len(outcome.recipients)} e-mail(s) for {outcome.week.code()} sent "
            f"({outcome.already_sent} sent before)."
        )
