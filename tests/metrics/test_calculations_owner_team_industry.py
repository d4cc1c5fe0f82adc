"""Pipeline metrics per industry, owner and team against hand-computed figures (issue 9).

June 2017. Owners: Ana and Bo are on teams (Ana: Enterprise, Bo: SMB), Cy is on none.
"""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from metrics import catalog, services
from metrics.calculations import compute_all, industries, owners, teams
from metrics.cuts import Cut
from metrics.models import MetricRun, Opportunity, Team
from metrics.periods import parse
from metrics.services import cuts_to_compute
from playbook.markdown import render_markdown
from tests.metrics.dashboard_support import make_persona

from .factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

WON, LOST, OPEN = Opportunity.Status.WON, Opportunity.Status.LOST, Opportunity.Status.OPEN
JUNE = parse("2017-06")


@pytest.fixture
def deals():
    health = AccountFactory(industry="Health")
    retail = AccountFactory(industry="Retail")

    def opp(account, owner, status, amount, closed=None):
        return OpportunityFactory(
            account=account,
            owner=owner,
            status=status,
            created_date=date(2017, 5, 1),
            close_date=date.fromisoformat(closed) if closed else None,
            amount=Decimal(amount),
        )

    opp(health, "Ana", WON, "1000.00", "2017-06-10")
    opp(retail, "Ana", LOST, "400.00", "2017-06-12")
    opp(health, "Bo", WON, "300.00", "2017-06-20")
    opp(retail, "Bo", WON, "200.00", "2017-06-21")
    opp(None, "Bo", LOST, "50.00", "2017-06-22")  # no account: in "all" (and Bo's) only
    opp(retail, "Cy", WON, "700.00", "2017-06-05")  # Cy is on no team
    opp(health, "Cy", OPEN, "900.00")
    opp(health, "", LOST, "80.00", "2017-06-07")  # no owner: no owner or team cut
    Team.objects.create(owner="Ana", team="Enterprise")
    Team.objects.create(owner="Bo", team="SMB")


def figures(kind, value):
    f = compute_all(JUNE, Cut(kind, value))
    return (
        f["won_count"].value,
        f["lost_count"].value,
        f["win_rate"].value,
        f["won_amount"].value,
        f["open_pipeline_amount"].value,
    )


def test_per_owner(deals):
    assert figures(catalog.OWNER, "Ana") == (1, 1, Decimal("0.5"), Decimal("1000.00"), 0)
    # Bo: 2 won of 3 closed, 300 + 200 won.
    assert figures(catalog.OWNER, "Bo")[:4] == (2, 1, Decimal("0.6666666667"), Decimal("500.00"))
    assert figures(catalog.OWNER, "Cy") == (1, 0, 1, Decimal("700.00"), Decimal("900.00"))


def test_per_team_an_owner_with_no_team_is_in_all_only(deals):
    assert figures(catalog.TEAM, "Enterprise") == (1, 1, Decimal("0.5"), Decimal("1000.00"), 0)
    assert figures(catalog.TEAM, "SMB")[:2] == (2, 1)
    everything = compute_all(JUNE)
    # All: 4 won (1000 + 300 + 200 + 700), 3 lost; Cy's and the ownerless deals only here.
    assert (everything["won_count"].value, everything["lost_count"].value) == (4, 3)
    assert everything["won_amount"].value == Decimal("2200.00")
    assert teams() == ["Enterprise", "SMB"]


def test_moving_an_owner_by_reimport_changes_the_team_figures(deals, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("owner,team\nBo,Enterprise\n", encoding="utf-8")

    call_command("import_crm", "teams", str(path))

    # Enterprise: Ana's 1 won / 1 lost and Bo's 2 won / 1 lost.
    assert figures(catalog.TEAM, "Enterprise")[:4] == (3, 2, Decimal("0.6"), Decimal("1500.00"))
    assert figures(catalog.TEAM, "SMB")[:4] == (0, 0, None, Decimal("0.00"))


def test_per_industry_records_without_an_account_are_in_all_only(deals):
    # Health: won 1000 + 300, lost 80 (ownerless), open 900.
    assert figures(catalog.INDUSTRY, "Health") == (
        2,
        1,
        Decimal("0.6666666667"),
        Decimal("1300.00"),
        Decimal("900.00"),
    )
    # Retail: won 200 + 700, lost 400.
    assert figures(catalog.INDUSTRY, "Retail")[:4] == (
        2,
        1,
        Decimal("0.6666666667"),
        Decimal("900.00"),
    )
    assert industries() == ["Health", "Retail"]


def test_runs_store_every_owner_team_and_industry(deals):
    assert owners() == ["Ana", "Bo", "Cy"]
    computed = {(cut.kind, cut.value) for cut in cuts_to_compute()}
    assert {
        (catalog.OWNER, "Cy"),
        (catalog.TEAM, "SMB"),
        (catalog.INDUSTRY, "Retail"),
    } <= computed


def test_owner_and_team_cuts_have_only_the_pipeline_metrics(deals):
    keys = set(compute_all(JUNE, Cut(catalog.TEAM, "SMB")))
    assert "win_rate" in keys
    assert not keys & {"mrr", "new_customers", "forecast_amount", "spend"}


# --- Through a real run: URLs, shortcodes, metrics_report --------------------------------------


@pytest.fixture
def computed(deals):
    return services.compute_now(trigger=MetricRun.Trigger.MANUAL)


def test_a_team_url_answers_with_the_teams_figure_and_junk_answers_400(computed):
    client = Client(raise_request_exception=False)
    client.force_login(make_persona("reader"))
    url = reverse("metrics:metric", kwargs={"key": "win_rate"})

    response = client.get(url, {"period": "2017-06", "team": "Enterprise"})

    assert response.status_code == 200
    assert "50.0%" in response.content.decode()
    assert client.get(url, {"period": "2017-06", "team": "a\x00b"}).status_code == 400
    assert client.get(url, {"team": "SMB", "owner": "Ana"}).status_code == 400


def test_a_shortcode_with_a_team(computed):
    html = str(render_markdown("{{ metric:win_rate period=2017-06 team=Enterprise }}"))
    assert "50.0%" in html and "Team: Enterprise" in html
    assert 'href="/metrics/win_rate/?period=2017-06&amp;team=Enterprise"' in html
    refused = str(render_markdown("{{ metric:mrr period=2017-06 team=Enterprise }}"))
    assert "can&#x27;t be cut by team" in refused or "can't be cut by team" in refused


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [("--owner", "Cy", "1"), ("--industry", "Retail", "0.6666666667")],
)
def test_metrics_report_by_owner_and_industry(computed, option, value, expected):
    out = StringIO()
    call_command(
        "metrics_report", "--period", "2017-06", option, value, "--format", "json", stdout=out
    )
    report = json.loads(out.getvalue())
    assert report["cut"][option[2:]] == value
    assert report["metrics"]["win_rate"]["value"] == expected
