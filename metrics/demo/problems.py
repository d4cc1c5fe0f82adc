"""The data-quality problems real exports have, sown into the demo so the Data page has findings
to show (metrics/quality.py): one customer typed into the CRM and into billing ("Acme Inc" won
without a source, its subscription under "ACME, Inc.", an account billing created without a
segment), a deal migrated from an old CRM (closed before it was created), stale open pipeline,
a lead entered twice and a converted lead without its account.

A handful of records beside the demo's hundreds, so the headline figures barely move; upserted
by external id like the rest of the demo, so seeding again changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from metrics.importing.schema import RECORD_KINDS
from metrics.importing.writing import upsert
from metrics.models import Account, Lead, Opportunity, Subscription

from .common import demo_days

WON, LOST, OPEN = Opportunity.Status.WON, Opportunity.Status.LOST, Opportunity.Status.OPEN


def _accounts(last_day: date) -> list[Account]:
    return [
        Account(
            external_id="NWL-ACC-0201",
            name="Acme Inc",
            segment="Mid-Market",
            industry="Manufacturing",
            website="acme-tools.example",
            created_date=last_day - timedelta(days=300),
        ),
        # Billing's copy of the same customer: another id, no segment, the same domain.
        Account(
            external_id="BILL-0042",
            name="ACME, Inc.",
            website="https://www.acme-tools.example/",
            created_date=last_day - timedelta(days=39),
        ),
    ]


def _opportunity(external_id, account, **fields) -> Opportunity:
    fields.setdefault("type", Opportunity.Type.NEW_BUSINESS)
    fields.setdefault("owner", "Avery Chen")
    return Opportunity(external_id=external_id, account_id=account, **fields)


def _opportunities(last_day: date, ids: dict[str, int]) -> list[Opportunity]:
    acme_won = last_day - timedelta(days=40)
    return [
        # Won without a source: the rep skipped the field.
        _opportunity("NWL-DQ-OPP-1", ids["NWL-ACC-0201"], name="Ledger Growth annual",
                     status=WON, stage="Closed Won", amount=Decimal(36000), source="",
                     created_date=acme_won - timedelta(days=45), close_date=acme_won),
        # Migrated from the old CRM: its created date is the load date.
        _opportunity("NWL-DQ-OPP-2", ids["NWL-ACC-0007"], name="Legacy CRM: Ledger evaluation",
                     status=LOST, stage="Closed Lost", amount=Decimal(24000), source="Outbound",
                     created_date=last_day - timedelta(days=20),
                     close_date=last_day - timedelta(days=200)),
        # Stale pipeline: open, their expected close dates long gone.
        *(
            _opportunity(f"NWL-DQ-OPP-{3 + n}", ids[account], name="Ledger Growth proposal",
                         status=OPEN, stage="Proposal", amount=Decimal(amount), source=source,
                         owner="Sam Rivera", created_date=last_day - timedelta(days=days + 60),
                         close_date=last_day - timedelta(days=days))
            for n, (account, amount, source, days) in enumerate([
                ("NWL-ACC-0011", 18000, "Events", 30),
                ("NWL-ACC-0012", 24000, "Outbound", 45),
                ("NWL-ACC-0013", 48000, "Referral", 75),
            ])
        ),
    ]  # fmt: skip


def _leads(last_day: date) -> list[Lead]:
    return [
        Lead(external_id="NWL-DQ-LEAD-1", email="maria.lopez@harborfoods.example",
             created_date=last_day - timedelta(days=50), source="Events", owner="Priya Nair",
             status="Working"),
        # The same person, entered again by another rep a month later.
        Lead(external_id="NWL-DQ-LEAD-2", email=" Maria.Lopez@HarborFoods.example",
             created_date=last_day - timedelta(days=20), source="Paid Search",
             owner="Jordan Blake", status="New"),
        # Converted, but the export left the converted account blank.
        Lead(external_id="NWL-DQ-LEAD-3", email="tom.becker@irongoods.example",
             created_date=last_day - timedelta(days=40), source="Referral", owner="Lee Morgan",
             status="Converted", qualified_date=last_day - timedelta(days=25),
             converted_date=last_day - timedelta(days=10)),
    ]  # fmt: skip


@transaction.atomic
def seed_demo_problems(*, today: date | None = None) -> int:
    """Upsert the problem records after seed_demo_crm (they point at its accounts); the number
    of records written."""
    _first_day, last_day = demo_days(today)
    accounts = _accounts(last_day)
    upsert(RECORD_KINDS["accounts"], accounts)
    wanted = ["NWL-ACC-0201", "BILL-0042", "NWL-ACC-0007", "NWL-ACC-0011", "NWL-ACC-0012",
              "NWL-ACC-0013"]  # fmt: skip
    ids = dict(Account.objects.filter(external_id__in=wanted).values_list("external_id", "pk"))
    opportunities = _opportunities(last_day, ids)
    upsert(RECORD_KINDS["opportunities"], opportunities)
    billed = Subscription(
        external_id="NWL-DQ-SUB-1",
        account_id=ids["BILL-0042"],
        plan="Ledger Growth",
        mrr=Decimal(3000),
        start_date=last_day - timedelta(days=39),
    )
    upsert(RECORD_KINDS["subscriptions"], [billed])
    leads = _leads(last_day)
    upsert(RECORD_KINDS["leads"], leads)
    return len(accounts) + len(opportunities) + 1 + len(leads)
