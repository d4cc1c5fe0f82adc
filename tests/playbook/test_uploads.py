"""Image uploads: identified and re-encoded by Pillow, never trusted."""

import ctypes
import io
import json
import random
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from .images import (
    SECRET,
    jpeg_bytes,
    jpeg_rotated_by_exif,
    png_bomb_bytes,
    png_bytes,
    png_rgba_of_zeros,
    webp_with_a_canvas_of,
    with_every_metadata,
)

UPLOAD_URL = reverse("playbook:upload", args=["target-audience"])


def stored_files(media_root):
    folder = media_root / "playbook" / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, name, data, content_type):
    return client.post(
        UPLOAD_URL, {"image": SimpleUploadedFile(name, data, content_type=content_type)}
    )


@pytest.fixture
def owner_client(client_as):
    return client_as("owner")


def assert_refused(response, media_root):
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["error"]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_html_sent_as_a_gif_is_refused_and_nothing_is_stored(owner_client, media_root):
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    assert_refused(upload(owner_client, "evil.html", html, "image/gif"), media_root)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["drawing.svg", "drawing.png"])
def test_svg_is_refused_whatever_its_name(owner_client, media_root, name):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
    assert_refused(upload(owner_client, name, svg, "image/svg+xml"), media_root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01junk" * 100,
        b"GIF89a" + b"\xff" * 40,
        png_bytes()[:40],
        png_bytes(size=(64, 64))[:-30],
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    ],
    ids=[
        "empty",
        "junk",
        "gif-header-junk",
        "png-header-only",
        "truncated-png",
        "png-magic-zeros",
        "pdf",
    ],
)
def test_junk_and_damaged_files_get_a_clear_400_not_a_500(owner_client, media_root, data):
    assert_refused(upload(owner_client, "image.png", data, "image/png"), media_root)


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused_quickly(owner_client, media_root):
    started = time.monotonic()
    response = upload(owner_client, "bomb.png", png_bomb_bytes(), "image/png")
    assert time.monotonic() - started < 2
    assert_refused(response, media_root)
    assert "pixels" in json.loads(response.content)["error"]


@pytest.mark.django_db
def test_an_image_over_the_pixel_warning_limit_is_also_refused(owner_client, media_root):
    # Between MAX_IMAGE_PIXELS and twice that, Pillow only warns: we refuse anyway.
    response = upload(owner_client, "big.png", png_bomb_bytes(12_000, 12_000), "image/png")
    assert_refused(response, media_root)


MB = 1024 * 1024


class PeakMemory:
    """How far this process's resident memory rose above where it was, at its highest, while
    the block ran (Linux, glibc: freed memory is first handed back to the system, so reusing
    it counts; /proc/self/clear_refs resets the high-water mark)."""

    @staticmethod
    def _kilobytes(field):
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith(field + ":"))
        return int(line.split()[1])

    def __enter__(self):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        self.before = self._kilobytes("VmRSS")
        return self

    def __exit__(self, *exc):
        self.growth = (self._kilobytes("VmHWM") - self.before) * 1024


@pytest.mark.django_db
def test_a_small_file_that_decodes_to_a_gigabyte_is_refused_from_its_header(
    owner_client, media_root
):
    data = png_rgba_of_zeros(9400, 9400)  # under Pillow's own limit; 353 MB decoded
    assert len(data) < 400 * 1024
    with PeakMemory() as memory:
        response = upload(owner_client, "huge.png", data, "image/png")
    assert_refused(response, media_root)
    assert json.loads(response.content)["error"] == (
        "The image is 9400×9400 pixels (88.4 megapixels); the limit is 40 megapixels."
    )
    assert memory.growth < 30 * MB


@pytest.mark.django_db
def test_a_webp_gets_a_quarter_of_the_pixel_limit_as_libwebp_decodes_it_three_times_over(
    owner_client, media_root
):
    data = webp_with_a_canvas_of(6000, 6000)  # 36 MP: under the limit, 550 MB to decode
    with PeakMemory() as memory:
        response = upload(owner_client, "anim.webp", data, "image/webp")
    assert_refused(response, media_root)
    assert json.loads(response.content)["error"] == (
        "The image is 6000×6000 pixels (36.0 megapixels); "
        "the limit for WEBP images is 10 megapixels."
    )
    assert memory.growth < 30 * MB
    small = webp_with_a_canvas_of(3000, 3000)  # 9 MP: accepted
    assert upload(owner_client, "anim.webp", small, "image/webp").status_code == 200


@pytest.mark.django_db
def test_the_pixel_limit_is_a_setting(owner_client, media_root, settings):
    settings.UPLOAD_MAX_PIXELS = 12 * 9 - 1
    response = upload(owner_client, "a.png", png_bytes(size=(12, 9)), "image/png")
    assert_refused(response, media_root)
    assert "12×9 pixels" in json.loads(response.content)["error"]
    settings.UPLOAD_MAX_PIXELS = 12 * 9
    assert upload(owner_client, "a.png", png_bytes(size=(12, 9)), "image/png").status_code == 200


@pytest.mark.django_db
def test_a_large_photo_is_decoded_at_a_reduced_scale_and_stored_smaller(owner_client, media_root):
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), (30, 90, 160)).save(out, format="JPEG")  # 24 MP: allowed
    with PeakMemory() as memory:
        response = upload(owner_client, "photo.jpg", out.getvalue(), "image/jpeg")
    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    with Image.open(stored) as image:
        assert image.size == (2000, 1333)
    assert memory.growth < 80 * MB  # decoded whole, then reduced: about 130 MB


@pytest.mark.django_db
def test_an_oversize_file_is_refused(owner_client, media_root, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    noisy = Image.frombytes("L", (64, 64), random.Random(7).randbytes(64 * 64))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 1024
    assert_refused(upload(owner_client, "big.png", out.getvalue(), "image/png"), media_root)


@pytest.mark.django_db
def test_a_request_without_a_file_is_refused(owner_client, media_root):
    assert_refused(owner_client.post(UPLOAD_URL, {}), media_root)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "reader", "other_owner"])
def test_anonymous_and_read_only_users_cannot_upload(client_as, media_root, persona):
    response = upload(client_as(persona), "a.png", png_bytes(), "image/png")
    assert response.status_code == (302 if persona == "anonymous" else 403)
    assert stored_files(media_root) == []


def _with_metadata(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (1, 2, 3)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


@pytest.mark.django_db
def test_a_valid_png_is_stored_re_encoded_under_a_generated_name(owner_client, media_root):
    original = _with_metadata("<script>alert(1)</script>")
    response = upload(owner_client, "../../My Photo.html.png", original, "text/html")
    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    assert stored.suffix == ".png" and len(stored.stem) == 32  # uuid4 hex, not the client's name
    assert json.loads(response.content) == {
        "image_code": f"![](/media/playbook/uploads/{stored.name})"
    }
    data = stored.read_bytes()
    assert data != original and b"<script>" not in data  # re-encoded: metadata dropped
    with Image.open(stored) as image:
        assert (image.format, image.size) == ("PNG", (10, 10))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "extension"), [("JPEG", ".jpg"), ("GIF", ".gif"), ("WEBP", ".webp"), ("PNG", ".png")]
)
def test_the_stored_extension_comes_from_the_detected_format_not_the_name(
    owner_client, media_root, fmt, extension
):
    out = io.BytesIO()
    Image.new("RGB", (12, 9), (90, 10, 10)).save(out, format=fmt)
    response = upload(owner_client, "picture.txt", out.getvalue(), "application/octet-stream")
    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    assert stored.suffix == extension


@pytest.mark.django_db
def test_an_uploaded_image_is_served_to_logged_in_users_only_as_an_image(
    client_as, owner_client, media_root
):
    upload(owner_client, "photo.jpg", jpeg_bytes(), "image/jpeg")
    (stored,) = stored_files(media_root)
    url = f"/media/playbook/uploads/{stored.name}"
    response = client_as("reader").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == stored.read_bytes()
    assert client_as("anonymous").get(url).status_code == 302


# What a re-encoded file may still say about itself: structure, not content.
STRUCTURAL_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "background", "version",
                   "loop", "duration", "transparency"}  # fmt: skip
METADATA_KEYS = {"exif", "xmp", "icc_profile", "comment", "Comment", "Author", "Description",
                 "XML:com.adobe.xmp"}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_every_kind_of_metadata_is_dropped_when_an_image_is_re_encoded(
    owner_client, media_root, fmt
):
    original = with_every_metadata(fmt)
    with Image.open(io.BytesIO(original)) as image:
        assert set(image.info) & METADATA_KEYS  # the upload does carry metadata
    response = upload(owner_client, "photo", original, "image/" + fmt.lower())
    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    data = stored.read_bytes()
    assert SECRET.encode() not in data
    with Image.open(stored) as image:
        assert image.format == fmt
        assert set(image.info) <= STRUCTURAL_INFO, set(image.info) - STRUCTURAL_INFO
        assert not image.getexif()


@pytest.mark.django_db
def test_a_photo_turned_by_its_exif_is_stored_upright_without_the_exif(owner_client, media_root):
    response = upload(owner_client, "phone.jpg", jpeg_rotated_by_exif((40, 20)), "image/jpeg")
    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    with Image.open(stored) as image:
        assert image.size == (20, 40)  # turned as the camera said, so it still shows upright
        assert not image.getexif()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_a_transparent_palette_image_stays_transparent(owner_client, media_root, fmt):
    image = Image.new("P", (8, 8), 1)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0, 0, 0] * 254)
    out = io.BytesIO()
    image.save(out, fmt, transparency=1)
    assert upload(owner_client, "t", out.getvalue(), "image/" + fmt.lower()).status_code == 200
    (stored,) = stored_files(media_root)
    with Image.open(stored) as stored_image:
        assert stored_image.convert("RGBA").getpixel((3, 3))[3] == 0
