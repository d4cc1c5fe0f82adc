from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from metrics import quality_checks, queueing
from metrics.demo import (
    seed_demo_crm,
    seed_demo_problems,
    seed_demo_reviews,
    seed_demo_targets,
    seed_demo_teams,
)
from metrics.services import compute_now
from playbook.seeding import DEMO_DIR, DemoContentError, seed_playbook

# The demo users (playbook.seeding) who chair the demo's weekly reviews and own its actions.
DEMO_ROLES = ("manager", "sales", "marketing")


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
            help="Folder of <slug>/<NN>-<username>.md files (default: playbook/demo).",
        )

    def handle(self, *args, content_dir: Path, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a published password: it only runs with DEBUG on."
            )
        try:
            report = seed_playbook(content_dir=content_dir)
        except DemoContentError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("Playbook demo data:")
        for line in report.lines():
            self.stdout.write(f"  {line}")
        crm = seed_demo_crm()
        self.stdout.write(
            f"CRM demo data ({crm.first_day} to {crm.last_day}): {crm.accounts} accounts, "
            f"{crm.opportunities} opportunities, {crm.subscriptions} subscriptions, "
            f"{crm.spend} spend rows, {crm.forecasts} forecasts, {crm.leads} leads."
        )
        problems = seed_demo_problems()
        self.stdout.write(f"Data-quality problems sown for the Data page: {problems} records.")
        teams = seed_demo_teams()
        run = compute_now(trigger="command")
        self.stdout.write(f"Metrics computed: run {run.pk} {run.status}.")
        if queueing.uses_embedded_worker():
            # The run's follow-ups (notifications) write from the embedded worker's thread: on
            # SQLite our writes below would wait for its lock, so let it finish first.
            queueing.embedded_worker().wait_until_idle()
        users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_ROLES)}
        targets = seed_demo_targets(run)
        reviews = seed_demo_reviews(
            run=run, chair=users["manager"], sales=users["sales"], marketing=users["marketing"]
        )
        self.stdout.write(
            f"Weekly review demo data: {teams} owners on teams, {targets} targets, "
            f"{reviews} past review(s) seeded."
        )
        check = quality_checks.check_now()
        found = check.findings.filter(count__gt=0).count()
        self.stdout.write(
            f"Data-quality check {check.pk} {check.status}: {found} kinds of problem."
        )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
