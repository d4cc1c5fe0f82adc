"""The `teams` record kind: owner → team, imported like the other kinds (issue 9)."""

import pytest

from metrics.models import ImportJob, Team
from tests.metrics.test_import_command import run_import

pytestmark = pytest.mark.django_db


def teams():
    return dict(Team.objects.values_list("owner", "team"))


def test_a_good_file_stores_each_owners_team(tmp_path):
    code, out, _ = run_import(tmp_path, "teams", "owner,team\nAna Lopez,Enterprise\nBo Chen,SMB\n")

    assert code == 0, out
    assert teams() == {"Ana Lopez": "Enterprise", "Bo Chen": "SMB"}


def test_reimporting_an_owner_moves_them_to_the_new_team(tmp_path):
    run_import(tmp_path, "teams", "owner,team\nAna Lopez,Enterprise\nBo Chen,SMB\n")

    code, _, _ = run_import(tmp_path, "teams", "owner,team\nAna Lopez,SMB\n")

    assert code == 0
    assert teams() == {"Ana Lopez": "SMB", "Bo Chen": "SMB"}


def test_bad_rows_are_reported_and_nothing_is_written(tmp_path):
    code, _, err = run_import(
        tmp_path, "teams", "owner,team\nAna Lopez,Enterprise\nBo Chen,\nAna Lopez,SMB\n"
    )

    assert code == 1
    assert 'line 3, column team, value "": is required' in err
    assert "line 4" in err and "duplicate of line 2" in err
    assert Team.objects.count() == 0


def test_skip_invalid_writes_the_good_rows(tmp_path):
    code, out, _ = run_import(
        tmp_path, "teams", "owner,team\nAna Lopez,Enterprise\n,SMB\n", "--skip-invalid"
    )

    assert code == 1  # some rows were skipped, as for the other kinds
    assert "Imported 1 of 2 teams rows. Skipped 1 invalid row." in out
    assert teams() == {"Ana Lopez": "Enterprise"}


def test_a_dry_run_writes_nothing(tmp_path):
    code, out, _ = run_import(tmp_path, "teams", "owner,team\nAna Lopez,Enterprise\n", "--dry-run")

    assert code == 0
    assert "Nothing was written." in out
    assert Team.objects.count() == 0


def test_the_portal_offers_the_teams_kind():
    assert ("teams", "Teams") in ImportJob.Kind.choices
