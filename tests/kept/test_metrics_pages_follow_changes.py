"""The metrics pages kept under the run and the change counter (metrics/views.py: a drill-down
whole, the scorecard's and a metric page's head, figures and trust, the reader's rights) show
every change at the next request: records written in any way (a save, `QuerySet.update`, a
delete, raw SQL), a team's members, a new run, a permission granted or taken (directly or by a
group), the language; each keyset page is its own. On SQLite and, in bin/test's PostgreSQL
pass, on PostgreSQL."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client

from metrics.freshness import record_import
from metrics.models import Account, Forecast, Lead, Opportunity, Spend, Team
from revops_portal.kept import changes
from tests.metrics.dashboard_support import stored_run
from tests.metrics.factories import (
    AccountFactory,
    ForecastFactory,
    LeadFactory,
    OpportunityFactory,
    SpendFactory,
)

pytestmark = pytest.mark.django_db

JUNE = "period=2017-06"
WIN_RATE = f"/metrics/win_rate/records/?{JUNE}"


def text(client, url, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def client():
    reader = User.objects.create_user("reader", "reader@example.com")
    signed_in = Client()
    signed_in.force_login(reader)
    signed_in.user = reader
    return signed_in


def moves(write) -> bool:
    before = changes.version()
    write()
    return changes.version() > before


def test_every_write_of_the_records_listed_and_of_permissions_moves_the_counter():
    account = AccountFactory()
    deal = OpportunityFactory(account=account)
    user = User.objects.create_user("ana")
    group = Group.objects.create(name="Analysts")
    permission = Permission.objects.get(codename="add_metricrun")
    writes = {
        "an account (save)": lambda: AccountFactory(),
        "accounts (update)": lambda: Account.objects.update(name="Renamed"),
        "a deal (save)": lambda: OpportunityFactory(account=account),
        "deals (update)": lambda: Opportunity.objects.update(owner="Someone"),
        "a deal (delete)": lambda: Opportunity.objects.filter(pk=deal.pk).delete(),
        "leads (bulk)": lambda: Lead.objects.bulk_create([LeadFactory.build()]),
        "spend (save)": lambda: SpendFactory(),
        "spend (update)": lambda: Spend.objects.update(amount=Decimal("1")),
        "a forecast": lambda: ForecastFactory(),
        "forecasts (delete)": lambda: Forecast.objects.all().delete(),
        "a team member": lambda: Team.objects.create(owner="Alex Owner", team="East"),
        "teams (update)": lambda: Team.objects.update(team="West"),
        "raw SQL": lambda: connection.cursor().execute("UPDATE metrics_lead SET owner = owner"),
        "a user's permission": lambda: user.user_permissions.add(permission),
        "a user's group": lambda: user.groups.add(group),
        "a group's permission": lambda: group.permissions.add(permission),
        "a group's permission taken": lambda: group.permissions.remove(permission),
        "a user out of a group": lambda: user.groups.remove(group),
    }
    for what, write in writes.items():
        assert moves(write), what


def test_a_drilldown_follows_its_records_however_written(client):
    stored_run(months=12)
    deal = OpportunityFactory(name="Deal Alpha", close_date=date(2017, 6, 10))
    assert "Deal Alpha" in text(client, WIN_RATE)
    Opportunity.objects.filter(pk=deal.pk).update(name="Deal Beta")
    page = text(client, WIN_RATE)
    assert "Deal Beta" in page and "Deal Alpha" not in page
    Account.objects.filter(pk=deal.account_id).update(name="Globex")
    assert "Globex" in text(client, WIN_RATE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE metrics_opportunity SET name = 'Deal Gamma'")
    assert "Deal Gamma" in text(client, WIN_RATE)
    OpportunityFactory(name="Deal Delta", close_date=date(2017, 6, 12))
    assert "Deal Delta" in text(client, WIN_RATE)
    Opportunity.objects.filter(name="Deal Delta").delete()
    assert "Deal Delta" not in text(client, WIN_RATE)

    url = f"/metrics/cost_per_lead/records/?{JUNE}"
    assert "LEAD-X1" not in text(client, url)
    LeadFactory(external_id="LEAD-X1", created_date=date(2017, 6, 3))
    SpendFactory(month=date(2017, 6, 1), channel="Podcasts", amount=Decimal("777"))
    page = text(client, url)
    assert "LEAD-X1" in page and "Podcasts" in page

    url = f"/metrics/forecast_accuracy/records/?{JUNE}"
    ForecastFactory(period_start=date(2017, 6, 1), period_end=date(2017, 6, 30), amount=1)
    assert "1.00" in text(client, url)
    Forecast.objects.update(amount=Decimal("4321"))
    assert "4321" in text(client, url).replace(",", "")


def test_a_team_drilldown_follows_its_members(client):
    stored_run(months=12)
    OpportunityFactory(name="Deal of Ada", owner="Ada", close_date=date(2017, 6, 10))
    Team.objects.create(owner="Ada", team="East")
    url = f"{WIN_RATE}&team=East"
    assert "Deal of Ada" in text(client, url)
    Team.objects.filter(owner="Ada").update(team="West")
    assert "Deal of Ada" not in text(client, url)


def test_a_new_run_lists_its_own_accounts(client):
    stored_run(months=12)
    url = f"/metrics/arr/records/?{JUNE}"
    assert "Initech" not in text(client, url)
    account = AccountFactory(name="Initech")
    account.subscriptions.create(
        external_id="S-1", plan="Standard", mrr=Decimal("90"), start_date=date(2017, 1, 1)
    )
    # The accounts listing is the run's (made at its first drill-down), so it waits for a run.
    assert "Initech" not in text(client, url)
    stored_run(months=12)
    assert "Initech" in text(client, url)


def test_each_keyset_page_and_language_is_its_own_and_a_stale_cursor_answers_400(client):
    stored_run(months=12)
    account = AccountFactory()
    for n in range(60):
        OpportunityFactory(
            account=account, external_id=f"OPP-{n:03d}", close_date=date(2017, 6, 1 + n // 3)
        )
    first = text(client, WIN_RATE)
    next_page = re.search(r'after=(\d+)" rel="next"', first)[1]
    second = text(client, f"{WIN_RATE}&after={next_page}")
    assert first.count("<tr>") == 51 and second.count("<tr>") == 11  # 60 records: 50, then 10
    assert "OPP-059" in second and "OPP-059" not in first
    polish = text(client, WIN_RATE, HTTP_ACCEPT_LANGUAGE="pl")
    assert 'lang="pl"' in polish and "Download CSV" not in polish
    assert "Download CSV" in text(client, WIN_RATE)
    Opportunity.objects.filter(pk=int(next_page)).delete()
    assert client.get(f"{WIN_RATE}&after={next_page}").status_code == 400


def test_the_readers_rights_follow_permissions_granted_and_taken(client):
    stored_run(months=12)
    reader = client.user
    recompute = 'action="/metrics/recompute/"'
    assert recompute not in text(client, "/metrics/")
    permission = Permission.objects.get(codename="add_metricrun")
    reader.user_permissions.add(permission)
    assert recompute in text(client, "/metrics/")
    owner_form = 'class="owner-form"'
    assert owner_form in text(client, "/metrics/win_rate/")  # a RevOps manager names owners
    reader.user_permissions.remove(permission)
    assert recompute not in text(client, "/metrics/")
    assert owner_form not in text(client, "/metrics/win_rate/")

    managers = Group.objects.create(name="Managers")
    reader.groups.add(managers)
    assert recompute not in text(client, "/metrics/")
    managers.permissions.add(permission)
    assert recompute in text(client, "/metrics/")
    reader.groups.remove(managers)
    assert recompute not in text(client, "/metrics/")
    User.objects.filter(pk=reader.pk).update(is_superuser=True)
    assert recompute in text(client, "/metrics/")


def test_the_scorecards_head_follows_imports(client):
    stored_run(months=12)
    assert "Data: no import recorded" in text(client, "/metrics/")
    importer = User.objects.create_user("importer", first_name="Imogen")
    record_import(kind="opportunities", rows_written=5, via="test", imported_by=importer)
    page = text(client, "/metrics/")
    assert "Imogen" in page and "Data: no import recorded" not in page
    assert "Imogen" in text(client, "/metrics/win_rate/")
