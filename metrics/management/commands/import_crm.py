"""import_crm KIND FILE: import a CRM export (the rules: metrics/importing/)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metrics.importing.columns import MissingColumns
from metrics.importing.dates import DATE_ORDERS
from metrics.importing.decoding import path_source
from metrics.importing.errors import ErrorReport, ImportFileError
from metrics.importing.options import (
    ImportOptions,
    parse_mapping,
    parse_qualified_statuses,
    parse_status_map,
)
from metrics.importing.presets import PRESETS
from metrics.importing.proposal import command_options, describe, propose
from metrics.importing.saved_presets import options_with_preset
from metrics.importing.schema import KINDS
from metrics.importing.services import import_records

EXAMPLES = """
examples:
  import_crm accounts Account.csv --preset salesforce
  import_crm opportunities Opportunity.csv --preset salesforce
  import_crm opportunities report.csv --preset salesforce --date-order DMY --create-accounts
  import_crm opportunities deals.csv --preset hubspot --status-from-stage "Demo booked=open"
  import_crm leads Lead.csv --preset salesforce --qualified-status "Working - Contacted,Qualified"
  import_crm leads contacts.csv --preset hubspot
  import_crm opportunities pipeline.csv --map external_id=opportunity_id --map stage=deal_stage \\
      --map created_date=engage_date --status-from-stage "Won=won,Lost=lost,*=open" --skip-invalid

Exit status: 0 when every row was imported (or, with --dry-run, is valid); 1 on any error,
including invalid rows skipped with --skip-invalid (the valid rows are written then).
"""


class Command(BaseCommand):
    help = (
        "Import CRM records from a CSV export: all or nothing unless --skip-invalid; "
        "re-importing updates rows by their key."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EXAMPLES
        return parser

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", help="The CSV file.")
        parser.add_argument(
            "--preset",
            default="generic",
            metavar="NAME",
            help=f"{', '.join(PRESETS)}, or a preset saved in the portal's import preview.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="Read FIELD from COLUMN (repeatable); overrides the preset.",
        )
        parser.add_argument(
            "--status-from-stage",
            default="",
            metavar="STAGE=STATUS,...",
            help='Derive opportunity status from the stage column, e.g. "Won=won,Lost=lost,*=open".',
        )
        parser.add_argument(
            "--qualified-status",
            default="",
            metavar="STATUS,...",
            help="Leads: the statuses that mean qualified when a lead has no qualified_date "
            '(replaces the preset\'s), e.g. "Working - Contacted,Qualified".',
        )
        parser.add_argument(
            "--date-order",
            choices=DATE_ORDERS,
            default="",
            help="Day/month order of date columns whose every date is ambiguous (02/03/24); "
            "default: the preset's (month first). A column with a day or month over 12 "
            "decides for itself.",
        )
        parser.add_argument(
            "--create-accounts",
            action="store_true",
            help="Create the accounts that the account column names but no account has "
            "(name and external_id = the cell), so one opportunities export is enough to start.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the valid rows and report the invalid ones (default: all or nothing).",
        )

    def _print_proposal(self, table, kind):
        proposal = propose(table, kind)
        self.stdout.write("Proposed mapping (* required; confidence from the header and values):")
        for line in describe(proposal):
            self.stdout.write(f"  {line}")
        self.stdout.write(f"To use it: {command_options(proposal)}")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            path.open("rb").close()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        preset = options["preset"]
        try:
            import_options = ImportOptions(
                kind=options["kind"],
                preset=preset if preset in PRESETS else "generic",
                mapping=parse_mapping(options["map"]),
                status_map={
                    **parse_status_map(options["status_from_stage"]),
                    **parse_qualified_statuses(options["qualified_status"]),
                },
                skip_invalid=options["skip_invalid"],
                date_order=options["date_order"],
                create_accounts=options["create_accounts"],
            )
            if preset not in PRESETS:
                import_options = options_with_preset(preset, import_options)
            outcome = import_records(
                source=path_source(path), options=import_options, dry_run=options["dry_run"]
            )
        except MissingColumns as exc:
            if options["dry_run"]:
                self._print_proposal(exc.table, options["kind"])
            raise CommandError(f"{path.name}: {exc}") from None
        except ImportFileError as exc:
            raise CommandError(f"{path.name}: {exc}") from None

        report = ErrorReport.of(outcome.errors)
        for error in report.listed:
            self.stderr.write(str(error))
        for note in report.notes():
            self.stderr.write(f"… and {note}.")
        if outcome.errors:
            self.stderr.write(f"{len(outcome.errors)} problem(s) in {outcome.rows_invalid} row(s).")
        style = self.style.SUCCESS if not outcome.errors else self.style.WARNING
        self.stdout.write(style(outcome.summary()))
        if outcome.recompute_requested:
            self.stdout.write("A metrics recomputation was queued.")
        if outcome.errors:
            raise CommandError(
                "Some rows are invalid (listed above)."
                if outcome.rows_written
                else "Nothing was written; the invalid rows are listed above."
                if not outcome.dry_run
                else "The dry run found invalid rows (listed above)."
            )
