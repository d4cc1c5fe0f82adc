"""Dates as exporters write them, and the day/month order decided per file and column."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from metrics.importing.dates import DMY, MDY, DateError, decide_orders, read_date
from metrics.importing.options import ImportOptions
from metrics.importing.parsing import preview
from metrics.models import Account, ImportJob, Opportunity
from tests.metrics.factories import AccountFactory
from tests.metrics.test_import_command import run_import
from tests.metrics.test_import_views import import_manager, upload


@pytest.mark.parametrize(
    "raw, order, expected",
    [
        ("02/03/24", MDY, date(2024, 2, 3)),
        ("02/03/24", DMY, date(2024, 3, 2)),
        ("22.01.24", DMY, date(2024, 1, 22)),
        ("22-01-2024", DMY, date(2024, 1, 22)),
        ("1/5/2024", MDY, date(2024, 1, 5)),
        ("02/23/26 08:55 PM", MDY, date(2026, 2, 23)),
        ("02/23/26 8:55 am", MDY, date(2026, 2, 23)),
        ("23/02/2026 20:55:07", DMY, date(2026, 2, 23)),
        ("1/22/2024 4:14:05 PM PST", MDY, date(2024, 1, 22)),
        ("22.01.2024 16:14 +01:00", DMY, date(2024, 1, 22)),
        ("2024-01-22T16:14:25.000+0000", MDY, date(2024, 1, 22)),
        ("2024-01-22T23:59:59Z", DMY, date(2024, 1, 22)),  # the day written, not shifted
        ("2024-01-22 16:14", MDY, date(2024, 1, 22)),
        ("2024-01-22 16:14:25 UTC", MDY, date(2024, 1, 22)),
        ("2024/01/22", MDY, date(2024, 1, 22)),
        ("22-Jan-2024", MDY, date(2024, 1, 22)),
        ("22 Jan 24", MDY, date(2024, 1, 22)),
        ("Jan 22, 2024", DMY, date(2024, 1, 22)),
        ("September 3 2024 10:00 AM", MDY, date(2024, 9, 3)),
    ],
)
def test_it_reads_the_forms_exporters_write(raw, order, expected):
    assert read_date(raw, order) == expected


def test_two_digit_years_pivot_at_69():
    assert read_date("1/1/00") == date(2000, 1, 1)
    assert read_date("12/31/68") == date(2068, 12, 31)
    assert read_date("1/1/69") == date(1969, 1, 1)
    assert read_date("31.12.99", DMY) == date(1999, 12, 31)


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("02/30/24", "is not a real calendar date (this column is read month first"),
        ("30/02/24", "is not a real calendar date (this column is read month first"),
        ("02/03/24 13:00 PM", "not a real time of day"),
        ("02/03/24 10:61", "not a real time of day"),
        ("22-Jun-2024x", "is not a date"),
        ("22-Foo-2024", "not a month name"),
        ("1/2/3", "is not a date"),
        ("someday", "is not a date"),
        ("20240122", "is not a date"),
    ],
)
def test_it_names_what_is_wrong_with_a_cell(raw, reason):
    with pytest.raises(DateError, match=reason.replace("(", r"\(")):
        read_date(raw, MDY)


def cells(*values):
    return [(line, value) for line, value in enumerate(values, start=2)]


def test_a_first_number_over_12_fixes_the_column_to_day_first():
    order = decide_orders({"close_date": ("Close", cells("02/03/24", "13/03/24", ""))})[
        "close_date"
    ]

    assert (order.order, order.mixed) == (DMY, "")
    assert order.why == "fixed by the file (line 3: 13/03/24)"
    assert order.samples == [("02/03/24", "2024-03-02"), ("13/03/24", "2024-03-13")]


def test_an_ambiguous_column_follows_the_choice_else_the_preset_else_dots_are_day_first():
    ambiguous = {"d": ("D", cells("02/03/24", "04/05/24"))}
    dotted = {"d": ("D", cells("02.03.24"))}

    assert decide_orders(ambiguous, preset="salesforce")["d"].order == MDY
    assert decide_orders(ambiguous, preset="salesforce", chosen=DMY)["d"].order == DMY
    assert decide_orders(dotted, preset="hubspot")["d"].order == DMY
    assert decide_orders(dotted, preset="hubspot", chosen=MDY)["d"].order == MDY
    assert "the salesforce convention" in decide_orders(ambiguous, preset="salesforce")["d"].why


def test_an_ambiguous_column_follows_the_order_the_other_date_columns_fixed():
    decided = decide_orders(
        {
            "created_date": ("Created", cells("01/02/24", "03/04/24")),
            "close_date": ("Closed", cells("25/02/24", "03/05/24")),
        },
        chosen=MDY,
    )

    assert decided["created_date"].order == DMY
    assert decided["created_date"].why == "as the file's other date columns"


def test_a_column_mixing_orders_is_read_in_neither():
    decided = decide_orders({"d": ("D", cells("13/01/24", "01/13/24", "2024-01-05"))})["d"]

    assert decided.mixed.startswith("the column mixes day-first dates (line 2: 13/01/24)")
    with pytest.raises(DateError, match="mixes"):
        decided.read("02/03/24")
    assert decided.read("2024-01-05") == date(2024, 1, 5)  # ISO needs no order


# --- Whole files through the command ---------------------------------------------------------

OPPORTUNITIES = "external_id,status,created_date,close_date,amount\n"


def won_dates():
    return {
        o.external_id: (o.created_date, o.close_date) for o in Opportunity.objects.order_by("pk")
    }


@pytest.mark.django_db
def test_a_day_first_file_is_read_day_first_even_with_a_month_first_preset(tmp_path):
    content = OPPORTUNITIES + (
        "O1,won,02/01/24,03/02/24,100\n"
        "O2,won,05/01/24,25/02/24 09:30 PM,200\n"  # 25 fixes close_date; created follows it
        "O3,lost,06/01/24,01/03/24,300\n"
    )

    code, _, err = run_import(tmp_path, "opportunities", content, "--preset", "salesforce")

    assert code == 0, err
    assert won_dates() == {
        "O1": (date(2024, 1, 2), date(2024, 2, 3)),
        "O2": (date(2024, 1, 5), date(2024, 2, 25)),
        "O3": (date(2024, 1, 6), date(2024, 3, 1)),
    }


@pytest.mark.django_db
def test_a_month_first_file_is_read_month_first_even_when_day_first_was_chosen(tmp_path):
    content = OPPORTUNITIES + "O1,won,01/02/24,02/03/24,100\nO2,lost,01/05/24,02/25/24,200\n"

    code, _, err = run_import(tmp_path, "opportunities", content, "--date-order", "DMY")

    assert code == 0, err
    assert won_dates() == {
        "O1": (date(2024, 1, 2), date(2024, 2, 3)),
        "O2": (date(2024, 1, 5), date(2024, 2, 25)),
    }


@pytest.mark.parametrize(
    "args, expected",
    [
        (("--preset", "salesforce"), date(2024, 2, 3)),
        (("--preset", "salesforce", "--date-order", "DMY"), date(2024, 3, 2)),
        (("--date-order", "MDY"), date(2024, 2, 3)),
    ],
)
@pytest.mark.django_db
def test_an_ambiguous_file_uses_the_chosen_order_else_the_presets(tmp_path, args, expected):
    content = "Id,Name,created_date\nA1,Acme,02/03/24\nA2,Beta,04/05/24 10:00 AM\n"

    code, _, err = run_import(tmp_path, "accounts", content, *args, "--map", "external_id=Id")

    assert code == 0, err
    assert Account.objects.get(external_id="A1").created_date == expected


@pytest.mark.django_db
def test_a_file_mixing_orders_in_a_column_gets_row_errors_and_nothing_written(tmp_path):
    content = OPPORTUNITIES + (
        "O1,won,2024-01-02,13/02/24,100\n"
        "O2,won,2024-01-02,02/13/24,100\n"
        "O3,won,2024-01-02,02/03/24,100\n"
        "O4,won,2024-01-02,2024-02-03,100\n"
    )

    code, out, err = run_import(tmp_path, "opportunities", content)

    assert code == 1
    reason = (
        "the column mixes day-first dates (line 2: 13/02/24) and month-first dates "
        "(line 3: 02/13/24): write them one way, or as YYYY-MM-DD"
    )
    for line, value in ((2, "13/02/24"), (3, "02/13/24"), (4, "02/03/24")):
        assert f'line {line}, column close_date, value "{value}": {reason}' in err
    assert "line 5" not in err
    assert "3 of 4 opportunities rows are invalid" in out
    assert Opportunity.objects.count() == 0


def test_an_unknown_date_order_is_refused(tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_crm", "accounts", str(tmp_path / "x.csv"), "--date-order", "YMD")


@pytest.mark.django_db
def test_the_preview_says_which_order_it_used_with_three_samples():
    AccountFactory(external_id="A1")
    data = (
        b"Opportunity ID,Account ID,Stage,Created Date,Close Date\n"
        b"O1,A1,Closed Won,01/02/24 09:00 AM,03/04/24\n"
        b"O2,A1,Closed Lost,01/03/24 10:00 PM,03/05/24\n"
        b"O3,A1,Prospecting,01/04/24 11:00 AM,03/06/24\n"
        b"O4,A1,Prospecting,01/05/24 11:00 AM,03/07/24\n"
    )

    _, _, dates = preview(data, ImportOptions(kind="opportunities", preset="salesforce"))

    created, closed = dates
    assert (created.column, created.order) == ("Created Date", MDY)
    assert (
        created.describe()
        == "month first (M/D/Y): every date is ambiguous; the salesforce convention"
    )
    assert created.samples == [
        ("01/02/24 09:00 AM", "2024-01-02"),
        ("01/03/24 10:00 PM", "2024-01-03"),
        ("01/04/24 11:00 AM", "2024-01-04"),
    ]
    _, _, dates = preview(
        data, ImportOptions(kind="opportunities", preset="salesforce", date_order=DMY)
    )
    assert dates[1].samples[0] == ("03/04/24", "2024-04-03")


# --- The portal's preview --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_portal_preview_shows_the_order_and_lets_the_manager_choose_another(
    client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(import_manager())
    content = "Id,Name,created_date\nA1,Acme,01/02/24\nA2,Beta,03/04/24 10:00 PM\n"
    response = client.post(
        reverse("metrics:import_new"),
        upload(content, preset="salesforce", mapping="external_id=Id"),
    )
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()

    assert "month first (M/D/Y): every date is ambiguous; the salesforce convention" in page
    assert '<code translate="no">01/02/24</code> → 2024-01-02' in page

    response = client.post(reverse("metrics:import_options", args=[job.pk]), {"date_order": "DMY"})
    page = client.get(response["Location"]).content.decode()

    job.refresh_from_db()
    assert job.date_order == "DMY"
    assert "day first (D/M/Y): every date is ambiguous; the order chosen" in page
    assert '<code translate="no">01/02/24</code> → 2024-02-01' in page
    assert (
        client.post(
            reverse("metrics:import_options", args=[job.pk]), {"date_order": "YMD"}
        ).status_code
        == 400
    )


@pytest.mark.django_db
def test_the_portal_refuses_to_start_a_file_mixing_orders(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(import_manager())
    content = "external_id,name,created_date\nA1,Acme,13/01/24\nA2,Beta,01/13/24\n"

    response = client.post(reverse("metrics:import_new"), upload(content))
    page = client.get(response["Location"]).content.decode()

    job = ImportJob.objects.get()
    assert (job.rows_invalid, job.status) == (2, "pending")
    assert "the column mixes day-first dates (line 2: 13/01/24)" in page
    assert "Start import" not in page
