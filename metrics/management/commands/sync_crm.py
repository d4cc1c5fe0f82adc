"""sync_crm [CONNECTION] [--kind K] [--full] [--dry-run]: sync CRM connections now (metrics/sync/)."""

from django.core.management.base import BaseCommand, CommandError

from metrics.sync.kinds import SYNCABLE_KINDS
from metrics.sync.models import CrmConnection
from metrics.sync.services import SyncBusy, sync_now

EXAMPLES = """
examples:
  sync_crm                          every enabled connection, what changed since its cursors
  sync_crm "HubSpot production"     one connection (by name or id)
  sync_crm 3 --kind opportunities   one kind (its accounts are not read)
  sync_crm 3 --full                 read everything again (a backfill; keeps records the CRM no longer has)
  sync_crm 3 --dry-run              read and validate, write nothing, move no cursor

Exit status: 0 when every sync succeeded; 1 when one failed.
"""


class Command(BaseCommand):
    help = "Sync CRM records from HubSpot or Salesforce connections now (incremental by default)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EXAMPLES
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "connection", nargs="?", help="A connection's name or id (default: all)."
        )
        parser.add_argument("--kind", action="append", choices=SYNCABLE_KINDS, default=[])
        parser.add_argument("--full", action="store_true", help="Ignore the cursors: read all.")
        parser.add_argument("--dry-run", action="store_true", help="Write nothing.")

    def handle(self, *args, connection=None, kind=(), full=False, dry_run=False, **options):
        connections = CrmConnection.objects.order_by("pk")
        if connection:
            by_id = {"pk": int(connection)} if connection.isdigit() else {"name": connection}
            connections = connections.filter(**by_id)
            if not connections.exists():
                raise CommandError(f"No CRM connection “{connection}”.")
        else:
            connections = connections.filter(enabled=True)
        failed = False
        for each in connections:
            not_synced = sorted(set(kind) - set(each.kinds))
            if not_synced:
                self.stderr.write(f"{each.name}: does not sync {', '.join(not_synced)}.")
                failed = True
                continue
            try:
                run = sync_now(connection=each, kinds=kind, full=full, dry_run=dry_run)
            except SyncBusy as exc:
                self.stderr.write(str(exc))
                failed = True
                continue
            line = f"{each.name}: {run.get_status_display()}. {run.message}"
            if run.status == run.Status.SUCCEEDED:
                self.stdout.write(line)
            else:
                self.stderr.write(line)
                failed = True
            for kind_name, entries in run.errors.items():
                for entry in entries[:20]:
                    self.stdout.write(
                        f"  {kind_name} rejected: {entry['column']} “{entry['value']}”: {entry['reason']}"
                    )
        if failed:
            raise CommandError("A sync failed (see above).")
