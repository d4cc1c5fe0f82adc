"""Portal imports: who may use them, upload → preview → start → done, error report, bad files."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metrics.importing import services as imports
from metrics.importing.dates import NOT_A_DATE
from metrics.importing.options import ImportOptions
from metrics.models import Account, ImportJob, MetricRun, Opportunity
from tests.metrics.dashboard_support import make_persona, make_user
from tests.metrics.factories import AccountFactory

pytestmark = pytest.mark.django_db

ACCOUNTS_CSV = "external_id,name,segment\n" + "".join(
    f"A{i:02d},Account {i:02d},SMB\n" for i in range(1, 13)
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def import_manager() -> User:
    user = make_user("importer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    return user


def make_who(who: str) -> User:
    if who == "import manager":
        return import_manager()
    if who == "superuser":
        return User.objects.create_superuser("root", "root@example.com", "x" * 16)
    if who == "permission but not staff":
        user = make_user("notstaff")
        user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
        return user
    return make_persona(who)


def upload(content, name="accounts.csv", **fields):
    data = {"kind": "accounts", "preset": "generic", "mapping": "", "status_from_stage": ""}
    data.update(fields)
    raw = content if isinstance(content, bytes) else content.encode()
    data["file"] = SimpleUploadedFile(name, raw, content_type="text/csv")
    return data


def pending_job(
    content=ACCOUNTS_CSV, *, created_by=None, name="accounts.csv", **options
) -> ImportJob:
    return imports.import_job_create(
        upload=SimpleUploadedFile(name, content.encode(), content_type="text/csv"),
        options=ImportOptions(kind=options.pop("kind", "accounts"), **options),
        created_by=created_by,
    )


# --- Permission matrix -----------------------------------------------------------------------

REFUSED = ("reader", "owner", "champion", "manager", "permission but not staff")
ALLOWED = ("import manager", "superuser")


def pages(job_id):
    return [
        reverse("metrics:import_list"),
        reverse("metrics:import_new"),
        reverse("metrics:import_detail", args=[job_id]),
        reverse("metrics:import_status", args=[job_id]),
        reverse("metrics:import_errors", args=[job_id]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for url in pages(pending_job().pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", REFUSED)
def test_people_who_are_not_import_managers_are_refused(client, who):
    job = pending_job()
    client.force_login(make_who(who))

    for url in pages(job.pk):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ALLOWED)
def test_import_managers_see_every_page(client, who):
    user = make_who(who)
    job = pending_job(created_by=user if who == "import manager" else import_manager())
    client.force_login(user)

    for url in pages(job.pk):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", REFUSED)
def test_a_refused_upload_or_start_changes_nothing(client, who):
    job = pending_job()
    client.force_login(make_who(who))

    upload_response = client.post(reverse("metrics:import_new"), upload(ACCOUNTS_CSV))
    start_response = client.post(reverse("metrics:import_detail", args=[job.pk]))

    assert (upload_response.status_code, start_response.status_code) == (403, 403)
    assert ImportJob.objects.count() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING
    assert Account.objects.count() == 0


# --- The happy path --------------------------------------------------------------------------


def test_upload_preview_start_and_done(client, django_capture_on_commit_callbacks):
    client.force_login(import_manager())

    response = client.post(reverse("metrics:import_new"), upload(ACCOUNTS_CSV))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:import_detail", args=[job.pk])
    assert (job.status, job.rows_total, job.rows_invalid) == ("pending", 12, 0)
    assert Account.objects.count() == 0  # nothing written before the start

    preview = client.get(response["Location"]).content.decode()
    assert '<th scope="col" translate="no" dir="auto">external_id</th>' in preview
    assert '<th scope="col" translate="no" dir="auto">segment</th>' in preview
    assert "Account 10" in preview
    assert "Account 11" not in preview  # the preview shows the first ten rows
    assert "Start import" in preview

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("metrics:import_detail", args=[job.pk]))
    assert started.status_code == 302

    job.refresh_from_db()
    assert (job.status, job.rows_written, job.progress) == ("succeeded", 12, 100)
    assert job.enqueued_at is not None
    assert Account.objects.count() == 12
    assert MetricRun.objects.filter(trigger="import").count() == 1
    status = client.get(reverse("metrics:import_status", args=[job.pk])).json()
    assert status["done"] is True
    assert (status["status"], status["progress"], status["rows_written"]) == ("succeeded", 100, 12)
    done_page = client.get(reverse("metrics:import_detail", args=[job.pk])).content.decode()
    assert "Imported 12 of 12 accounts rows." in done_page
    listing = client.get(reverse("metrics:import_list")).content.decode()
    assert "accounts.csv" in listing


def test_a_job_cannot_be_started_twice(client, django_capture_on_commit_callbacks):
    user = import_manager()
    job = pending_job(created_by=user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("metrics:import_detail", args=[job.pk]))

    again = client.post(reverse("metrics:import_detail", args=[job.pk]))

    assert again.status_code == 400
    assert "already been started" in again.content.decode()
    assert Account.objects.count() == 12


def test_running_the_same_job_twice_takes_effect_once(django_capture_on_commit_callbacks):
    user = import_manager()
    job = pending_job(created_by=user)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_start(job=job, started_by=user)

    imports.import_job_run(job_id=job.pk)  # a redelivered task

    job.refresh_from_db()
    assert (job.status, job.rows_written) == ("succeeded", 12)
    assert Account.objects.count() == 12


def test_an_unreachable_broker_puts_the_job_back_with_a_message(
    client, django_capture_on_commit_callbacks
):
    from tests.metrics.conftest import celery_pointed_at

    user = import_manager()
    job = pending_job(created_by=user)
    client.force_login(user)
    # Nothing listens on port 1: a real connection refusal, not a mock.
    with celery_pointed_at("redis://127.0.0.1:1/0"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("metrics:import_detail", args=[job.pk]))
    assert response.status_code in (200, 302)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING
    assert "could not be reached" in job.message
    assert Account.objects.count() == 0
    # The broker is back (eager here): starting again imports the file.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("metrics:import_detail", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, Account.objects.count()) == (ImportJob.Status.SUCCEEDED, 12)


def test_the_progress_page_polls_with_a_static_script(client):
    user = import_manager()
    job = pending_job(created_by=user)
    ImportJob.objects.filter(pk=job.pk).update(status="running", progress=40)
    client.force_login(user)

    body = client.get(reverse("metrics:import_detail", args=[job.pk])).content.decode()

    assert '<progress id="import-progress" max="100" value="40"' in body
    assert reverse("metrics:import_status", args=[job.pk]) in body
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", body, re.S)
    assert scripts and all(not s.strip() for s in scripts)  # no inline code
    assert re.search(r'<script src="/static/js/imports\.js" nonce="[^"]+"', body)
    assert " style=" not in body


def test_the_salesforce_preset_previews_the_derived_status(client):
    AccountFactory(external_id="001A")
    content = (
        "Id,AccountId,Name,StageName,Amount,IsClosed,IsWon,CreatedDate,CloseDate\n"
        "006A,001A,Deal,Closed Won,10,1,1,2024-01-22T16:14:25.000+0000,2024-02-01\n"
    )
    client.force_login(import_manager())

    response = client.post(
        reverse("metrics:import_new"),
        upload(content, kind="opportunities", preset="salesforce"),
    )
    body = client.get(response["Location"]).content.decode()

    assert '<td translate="no" dir="auto">won</td>' in body
    assert '<td translate="no" dir="auto">2024-01-22</td>' in body
    assert Opportunity.objects.count() == 0


# --- Invalid rows and the error report -------------------------------------------------------

BAD_ROWS = (
    "external_id,name,created_date\n"
    "A1,Acme,2024-01-01\n"
    'A2,Beta,=HYPERLINK("http://evil.example")\n'
    "A3,,2024-01-03\n"
)


def test_all_or_nothing_refuses_to_start_a_file_with_invalid_rows(client):
    client.force_login(import_manager())
    response = client.post(reverse("metrics:import_new"), upload(BAD_ROWS))
    job = ImportJob.objects.get()

    page = client.get(response["Location"]).content.decode()
    start = client.post(reverse("metrics:import_detail", args=[job.pk]))

    assert "Start import" not in page
    assert "line" in page.lower() and "is required" in page
    assert start.status_code == 400
    job.refresh_from_db()
    assert job.status == "pending"
    assert Account.objects.count() == 0


def test_skipping_invalid_rows_writes_the_rest_and_reports_them_neutralised(
    client, django_capture_on_commit_callbacks
):
    client.force_login(import_manager())
    response = client.post(reverse("metrics:import_new"), upload(BAD_ROWS, skip_invalid="on"))
    job = ImportJob.objects.get()
    assert "Start import" in client.get(response["Location"]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("metrics:import_detail", args=[job.pk]))
    report = client.get(reverse("metrics:import_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))

    job.refresh_from_db()
    assert (job.status, job.rows_written, job.rows_invalid) == ("succeeded", 1, 2)
    assert list(Account.objects.values_list("external_id", flat=True)) == ["A1"]
    assert report["Content-Type"].startswith("text/csv")
    assert rows == [
        ["line", "column", "value", "reason"],
        [
            "3",
            "created_date",
            '\'=HYPERLINK("http://evil.example")',
            NOT_A_DATE,
        ],
        ["4", "name", "", "is required"],
    ]


# --- Bad files: a clear message, never a 500 -------------------------------------------------

BAD_FILES = {
    "empty": (b"", "The file is empty."),
    "binary": (b"PK\x03\x04\x14\x00\x06\x00", "This is an Excel workbook (.xlsx)"),
    # (A header without a required column is kept for mapping: tests/.../test_import_proposal.py)
    "unclosed quote": (b'external_id,name\nA1,"Acme\n', "the file is not valid CSV"),
}


@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_file_that_cannot_be_imported_gets_a_clear_message(client, case):
    content, message = case
    client.force_login(import_manager())

    response = client.post(reverse("metrics:import_new"), upload(content))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert Account.objects.count() == 0


def test_an_oversize_file_is_refused(client, settings):
    settings.CSV_UPLOAD_MAX_BYTES = 1024
    client.force_login(import_manager())

    response = client.post(reverse("metrics:import_new"), upload(ACCOUNTS_CSV * 20))

    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_bad_mapping_is_a_form_error(client):
    client.force_login(import_manager())

    response = client.post(
        reverse("metrics:import_new"),
        upload(ACCOUNTS_CSV, mapping="external_id", status_from_stage="Won=maybe"),
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "is not a mapping: write FIELD=COLUMN" in body
    assert "is not a stage mapping" in body
    assert ImportJob.objects.count() == 0


def test_an_unknown_job_is_a_404(client):
    client.force_login(import_manager())

    assert client.get(reverse("metrics:import_detail", args=[999])).status_code == 404
    assert client.get(reverse("metrics:import_status", args=[999])).status_code == 404


# --- Values out of range: row errors, never a 500 ---------------------------------------------


OUT_OF_RANGE = {
    "an overlong amount": (
        f"2024-01-01,2024-02-01,{'9' * 29}",
        "is too large: at most 16 digits before the decimal point",
    ),
    "year 0001": ("0001-01-01,2024-02-01,100", "is before 1970-01-01"),
    "year 9999": ("2024-01-01,9999-12-31,100", "is more than 10 years ahead"),
}


@pytest.mark.parametrize("case", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_an_out_of_range_value_is_a_row_error_in_the_upload_and_the_preview(client, case):
    cells, reason = case
    AccountFactory(external_id="ACC1")
    content = (
        "external_id,account,status,created_date,close_date,amount\n"
        f"O1,ACC1,won,{cells}\n"
        "O2,ACC1,won,2024-01-01,2024-02-01,100\n"
    )
    client.force_login(import_manager())

    response = client.post(reverse("metrics:import_new"), upload(content, kind="opportunities"))
    job = ImportJob.objects.get()
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert (job.rows_total, job.rows_invalid) == (2, 1)
    assert page.status_code == 200
    assert reason in page.content.decode()
    assert Opportunity.objects.count() == 0


# --- Reports stay short (issue 8, item 12) -----------------------------------------------------


def test_a_file_with_two_hundred_thousand_columns_gets_a_short_clear_message(client):
    header = ",".join(f"c{i}" for i in range(200_000))
    client.force_login(import_manager())

    response = client.post(reverse("metrics:import_new"), upload(f"{header}\nx\n"))

    assert response.status_code == 400
    assert (
        "The header has 200000 columns; an import reads at most 1000." in response.content.decode()
    )
    assert len(response.content) < 20_000
    assert ImportJob.objects.count() == 0


def test_the_page_and_the_error_report_list_the_first_errors_and_count_the_rest(client):
    content = "external_id,name,created_date\n" + "".join(f"A{i},,someday\n" for i in range(2500))
    client.force_login(import_manager())

    response = client.post(reverse("metrics:import_new"), upload(content))
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    report = client.get(reverse("metrics:import_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))

    assert (job.rows_total, job.rows_invalid) == (2500, 2500)
    assert page.count("<td>is required</td>") == 50  # the first 100 errors: lines 2 to 51
    assert "… and 100 more in the error report." in page
    assert "2400 more errors in column name, not listed" in page
    assert "2400 more errors in column created_date, not listed" in page
    assert len(page) < 100_000
    listed = [row for row in rows[1:] if row[0]]
    assert [row[1] for row in listed].count("name") == 100
    assert [row[1] for row in listed].count("created_date") == 100
    assert ["", "name", "", "2400 more errors in column name, not listed"] in rows
    assert ["", "created_date", "", "2400 more errors in column created_date, not listed"] in rows


# --- Whose file it is (issue 8, item 13) -------------------------------------------------------


def other_import_manager() -> User:
    user = make_user("other-importer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    return user


def test_the_file_and_its_error_report_are_the_uploaders_and_superusers_only(client):
    uploader = import_manager()
    job = pending_job(BAD_ROWS, created_by=uploader, skip_invalid=True)
    urls = [
        reverse("metrics:import_detail", args=[job.pk]),
        reverse("metrics:import_status", args=[job.pk]),
        reverse("metrics:import_errors", args=[job.pk]),
    ]

    for who, expected in (
        (uploader, 200),
        (make_who("superuser"), 200),
        (other_import_manager(), 403),
    ):
        client.force_login(who)
        assert [client.get(url).status_code for url in urls] == [expected] * 3, who.username


def test_another_manager_cannot_start_the_uploaders_import(
    client, django_capture_on_commit_callbacks
):
    job = pending_job(created_by=import_manager())
    client.force_login(other_import_manager())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("metrics:import_detail", args=[job.pk]))

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING
    assert Account.objects.count() == 0


def test_every_import_manager_sees_who_imported_what_and_the_outcome(client):
    uploader, other = import_manager(), other_import_manager()
    theirs = pending_job(created_by=uploader, name="their-accounts.csv")
    mine = pending_job(created_by=other, name="my-accounts.csv")
    client.force_login(other)

    listing = client.get(reverse("metrics:import_list")).content.decode()

    assert "their-accounts.csv" in listing and "my-accounts.csv" in listing
    assert '<td translate="no">importer</td>' in listing and "Awaiting start" in listing
    assert f'href="{reverse("metrics:import_detail", args=[mine.pk])}"' in listing
    assert f'href="{reverse("metrics:import_detail", args=[theirs.pk])}"' not in listing


def test_the_admin_shows_no_row_errors_of_an_import(client):
    job = pending_job(BAD_ROWS, created_by=import_manager(), skip_invalid=True)
    viewer = other_import_manager()
    viewer.user_permissions.add(Permission.objects.get(codename="view_importjob"))
    client.force_login(viewer)

    response = client.get(reverse("admin:metrics_importjob_change", args=[job.pk]))

    assert response.status_code == 200
    assert "accounts.csv" in response.content.decode()
    assert "evil.example" not in response.content.decode()


def test_the_create_accounts_checkbox_creates_the_named_accounts(
    client, django_capture_on_commit_callbacks
):
    client.force_login(import_manager())
    content = "external_id,account,status,created_date\nO1,Acme,open,2024-01-02\n"
    response = client.post(
        reverse("metrics:import_new"),
        upload(content, kind="opportunities", create_accounts="on"),
    )
    job = ImportJob.objects.get()
    assert "missing accounts are created" in client.get(response["Location"]).content.decode()
    assert (job.create_accounts, job.rows_invalid) == (True, 0)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("metrics:import_detail", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert "Created 1 account they name." in job.message
    assert Opportunity.objects.get().account.name == "Acme"
