"""Serving playbook images (issue 8, items 1 and 7): only images the playbook wrote, by a name
the playbook chose, to logged-in users; CRM import files are stored where no URL reaches."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import revops_portal.settings as configured
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_job_create
from tests.portal.test_settings import run_manage

from .images import png_bytes

CRM_ROWS = b"external_id,name,segment\nA01,Secret Customer Ltd,SMB\n"
UPLOADED = "0123456789abcdef0123456789abcdef.png"


@pytest.fixture
def private_root(settings):
    return settings.PRIVATE_ROOT  # a temporary folder (tests/conftest.py)


@pytest.fixture
def crm_file_everywhere(media_root, private_root):
    """A CRM file where uploads used to go (under MEDIA_ROOT) and where they go now."""
    for root in (media_root, private_root):
        (root / "imports").mkdir(parents=True, exist_ok=True)
        (root / "imports" / "deals.csv").write_bytes(CRM_ROWS)
    return "deals.csv"


TRAVERSALS = [
    "/media/playbook/%2e%2e/imports/deals.csv",
    "/media/playbook/..%2fimports/deals.csv",
    "/media/playbook%2f..%2fimports/deals.csv",
    "/media/playbook/../imports/deals.csv",
    "/media/playbook/uploads/..%2f..%2fimports/deals.csv",
    "/media/playbook/uploads/%2e%2e/%2e%2e/imports/deals.csv",
    "/media/playbook/demo/..%2F..%2Fimports%2Fdeals.csv",
    "/media/playbook/./../imports/deals.csv",
    "/media/playbook//../imports/deals.csv",
    "/media/playbook/..%5cimports%5cdeals.csv",
    "/media/playbook/%252e%252e/imports/deals.csv",
    "/media/imports/deals.csv",
    "/media/playbook/uploads/../../../private/imports/deals.csv",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", TRAVERSALS)
@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_no_media_path_reaches_a_crm_file(client_as, crm_file_everywhere, path, persona):
    response = client_as(persona).get(path)
    assert response.status_code == 404, path
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Secret Customer" not in body


@pytest.mark.django_db
def test_an_uploaded_crm_file_is_stored_outside_the_served_media_folder(media_root, private_root):
    job = import_job_create(
        upload=SimpleUploadedFile("accounts.csv", CRM_ROWS, content_type="text/csv"),
        options=ImportOptions(kind="accounts"),
    )
    stored = Path(job.file.path).resolve()
    assert stored.is_relative_to(Path(private_root).resolve())
    assert not stored.is_relative_to(Path(media_root).resolve())
    assert stored.read_bytes() == CRM_ROWS
    with job.file.open("rb") as handle:  # the importer reads it back through the same storage
        assert handle.read() == CRM_ROWS


def test_by_default_the_private_folder_is_beside_the_media_folder_not_inside_it():
    private, media = Path(configured.PRIVATE_ROOT), Path(configured.MEDIA_ROOT)
    assert private.parent == media.parent and private != media


@pytest.mark.parametrize(
    ("media", "private"),
    [
        ("/srv/portal/media", "/srv/portal/media/private"),
        ("/srv/portal/files/media", "/srv/portal"),
    ],
)
def test_a_private_folder_inside_the_media_folder_or_around_it_stops_start_up(media, private):
    result = run_manage("check", env_overrides={"MEDIA_ROOT": media, "PRIVATE_ROOT": private})
    assert result.returncode != 0
    assert "PRIVATE_ROOT" in result.stderr and "MEDIA_ROOT" in result.stderr


@pytest.mark.django_db
def test_demo_images_an_earlier_seed_copied_are_still_served(client_as, media_root):
    # Old revisions of installs seeded before the demo drew its diagrams in Mermaid show them.
    folder = media_root / "playbook" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lead-to-renewal.png").write_bytes(png_bytes())
    response = client_as("reader").get("/media/playbook/demo/lead-to-renewal.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "notes.html",
        "0123456789abcdef0123456789abcdef.html",
        "0123456789ABCDEF0123456789ABCDEF.png",
        "0123456789abcdef0123456789abcde.png",
        ".hidden.png",
        "0123456789abcdef0123456789abcdef.png.csv",
    ],
)
def test_only_names_the_playbook_generates_are_served(client_as, media_root, name):
    folder = media_root / "playbook" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(png_bytes())
    assert client_as("reader").get(f"/media/playbook/uploads/{name}").status_code == 404


@pytest.mark.django_db
def test_other_files_in_the_media_folder_are_not_served(client_as, media_root):
    for relative in ("playbook/notes.html", "playbook/other/" + UPLOADED, UPLOADED):
        path = media_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png_bytes())
        assert client_as("reader").get(f"/media/{relative}").status_code == 404, relative


@pytest.mark.django_db
def test_an_uploaded_name_is_served_as_an_image_with_nosniff(client_as, media_root):
    folder = media_root / "playbook" / "uploads"
    folder.mkdir(parents=True)
    (folder / UPLOADED).write_bytes(png_bytes())
    response = client_as("reader").get(f"/media/playbook/uploads/{UPLOADED}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_as("anonymous").get(f"/media/playbook/uploads/{UPLOADED}").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/media/playbook/" + "a" * 5000,
        "/media/playbook/uploads/" + "a" * 5000 + ".png",
        "/media/playbook/demo/" + "a" * 5000 + ".png",
        "/media/" + "b/" * 2500,
        "/media/playbook/" + "%2e%2e/" * 1000 + "x",
    ],
    ids=["after-prefix", "upload-name", "demo-name", "deep-folders", "many-dotdots"],
)
def test_an_overlong_media_path_is_not_found_not_an_error(client_as, path):
    assert client_as("reader").get(path).status_code == 404


LONG = "a" * 5000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/playbook/{LONG}/"),
        ("get", f"/playbook/{LONG}/edit/"),
        ("get", f"/playbook/{LONG}/history/"),
        ("get", f"/playbook/{LONG}/diff/?from=1&to=1"),
        ("post", f"/playbook/{LONG}/restore/1/"),
        ("post", f"/playbook/{LONG}/review/"),
        ("get", f"/playbook/{LONG}/owner/"),
        ("post", f"/playbook/{LONG}/preview/"),
        ("post", f"/playbook/{LONG}/upload/"),
        ("post", "/playbook/target-audience/restore/" + "9" * 30 + "/"),
        ("post", "/playbook/target-audience/restore/" + "9" * 5000 + "/"),
        ("post", "/playbook/target-audience/restore/0/"),
    ],
)
def test_overlong_slugs_and_numbers_in_playbook_urls_are_not_found(client_as, method, path):
    response = getattr(client_as("manager"), method)(path)
    assert response.status_code == 404, path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "?from=1&to=" + "9" * 30,
        "?from=" + "9" * 5000 + "&to=1",
        "?from=-1&to=1",
        "?from=1&to=99999999999",
    ],
)
def test_out_of_range_revision_numbers_in_a_diff_are_a_clear_answer(client_as, query):
    response = client_as("reader").get("/playbook/target-audience/diff/" + query)
    assert response.status_code in (400, 404), query


@pytest.mark.django_db
def test_a_missing_image_is_not_found(client_as):
    assert client_as("reader").get(f"/media/playbook/uploads/{UPLOADED}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/media/../revops_portal/settings.py", "/media/%2e%2e/manage.py"])
def test_media_paths_to_the_code_are_not_found(client_as, path):
    response = client_as("reader").get(path)
    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.content and b"DJANGO_SETTINGS" not in response.content
