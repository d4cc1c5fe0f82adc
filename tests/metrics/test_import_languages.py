"""A row error is stored untranslated and read in the reader's language (issue 15): the page and
the error report CSV say each reason in the language of whoever opens them; the stored JSON and
the CSV's header stay English."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metrics.importing import services as imports
from metrics.importing.options import ImportOptions
from tests.i18n.own_catalogue import compiled_catalogue
from tests.metrics.dashboard_support import make_user

pytestmark = pytest.mark.django_db

ENGLISH = "is required"
RUSSIAN = "обязательно"  # from the catalogue below, not the portal's (built apart, later)
LEADS = "external_id,created_date\nL1,2024-01-02\nL2,\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _russian(settings, tmp_path):
    compiled_catalogue(settings, tmp_path, {"ru": {ENGLISH: RUSSIAN}})


@pytest.fixture
def importer():
    user = make_user("importer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    return user


@pytest.fixture
def job(importer):
    return imports.import_job_create(
        upload=SimpleUploadedFile("leads.csv", LEADS.encode(), content_type="text/csv"),
        options=ImportOptions(kind="leads", skip_invalid=True),
        created_by=importer,
    )


def test_the_stored_report_keeps_the_english_reason_and_its_msgid(job):
    [entry] = job.errors

    assert entry["reason"] == ENGLISH
    assert entry["why"] == {"msgid": ENGLISH, "params": {}}


def test_the_page_says_the_reason_in_the_readers_language(client, importer, job):
    client.force_login(importer)

    english = client.get(reverse("metrics:import_detail", args=[job.pk])).content.decode()
    russian = client.get(
        reverse("metrics:import_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    assert ENGLISH in english and RUSSIAN not in english
    assert RUSSIAN in russian and ENGLISH not in russian


def test_the_error_report_csv_has_the_canonical_header_and_the_readers_reasons(
    client, importer, job
):
    client.force_login(importer)

    response = client.get(
        reverse("metrics:import_errors", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows == [["line", "column", "value", "reason"], ["3", "created_date", "", RUSSIAN]]
