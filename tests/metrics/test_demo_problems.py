"""The demo's data-quality problems (metrics/demo/problems.py): the Data page's findings show
them, seeding twice changes nothing, and the headline figures barely move."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from metrics import quality
from metrics.calculations import compute_all
from metrics.demo import seed_demo_crm, seed_demo_problems
from metrics.models import Account, Lead, Opportunity, Subscription
from metrics.periods import last_complete

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)
CHECKED_ON = TODAY + timedelta(days=60)  # the Data page is read a while after the data ends
SOWN = {
    "duplicate_account_names": {"NWL-ACC-0201", "BILL-0042"},
    "duplicate_account_domains": {"NWL-ACC-0201", "BILL-0042"},
    "accounts_without_segment": {"BILL-0042"},
    "opportunities_without_source": {"NWL-DQ-OPP-1"},
    "closed_before_created": {"NWL-DQ-OPP-2"},
    "open_past_close_date": {"NWL-DQ-OPP-3", "NWL-DQ-OPP-4", "NWL-DQ-OPP-5"},
    "won_without_subscription": {"NWL-DQ-OPP-1"},
    "subscriptions_never_won": {"NWL-DQ-SUB-1"},
    "duplicate_leads_by_email": {"NWL-DQ-LEAD-1", "NWL-DQ-LEAD-2"},
    "converted_leads_without_account": {"NWL-DQ-LEAD-3"},
}


def listed(code: str) -> set[str]:
    kind = quality.by_code(code)
    return set(kind.queryset(CHECKED_ON).values_list("external_id", flat=True))


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Account, Opportunity, Subscription, Lead))


def test_the_sown_problems_are_found_and_barely_move_the_headline_figures():
    seed_demo_crm(today=TODAY)
    clean = {code: listed(code) for code in SOWN}
    month = last_complete("month", TODAY)
    before = compute_all(month)

    written = seed_demo_problems(today=TODAY)
    seeded = counts()
    assert (
        seed_demo_problems(today=TODAY) == written == 11
    )  # 2 accounts, 5 deals, 1 subscription, 3 leads
    assert counts() == seeded  # upserted: seeding twice adds nothing

    for code, records in SOWN.items():
        assert listed(code) - clean[code] == records, code
    after = compute_all(month)
    assert abs(after["mrr"].value / before["mrr"].value - 1) < 0.05
    assert after["customers"].value - before["customers"].value <= 2
    assert abs(after["win_rate"].value - before["win_rate"].value) < Decimal("0.05")
