"""Image uploads for sections: identified and re-encoded by Pillow, never trusted as sent.

The client's file name and content type are ignored. Pillow must recognise the
bytes as PNG, JPEG, GIF or WEBP; the image is verified, its size checked from the
header, re-opened, decoded (reduced to at most MAX_DIMENSION a side) and re-encoded
with its pixels only (no EXIF, XMP, ICC profile, comments or text chunks), and stored
under a generated name with the detected format's extension.

Serving is the mirror image: ``/media/playbook/<folder>/<name>`` reaches a file only when the
name is one the playbook itself writes into that folder (``served_image``), so no part of a
URL is ever used as a path.
"""

import io
import re
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
UPLOAD_DIR = "playbook/uploads"
# libwebp decodes into two canvases of its own before Pillow copies the frame out (measured:
# ~15 bytes a pixel, against ~9 for an RGBA PNG), so a WEBP gets a quarter of the pixel limit.
PIXEL_LIMIT_SHARE = {"WEBP": 0.25}
KEPT_INFO = ("transparency",)  # needed to draw the image; any other metadata is dropped
MAX_DIMENSION = 2000
# The names the playbook writes, per folder under MEDIA_ROOT/playbook/: nothing else is served.
SERVED_NAMES = {
    "uploads": re.compile(r"[0-9a-f]{32}\.(png|jpg|gif|webp)"),  # store_image: uuid4 hex
    # Demo PNGs that seed_demo copied before the demo drew its diagrams in Mermaid: old
    # revisions of installs seeded then still show them.
    "demo": re.compile(r"[a-z0-9][a-z0-9-]{0,63}\.(png)"),
}


def image_storage():
    """MEDIA_ROOT: the only storage /media/ URLs read from (the default storage is private)."""
    return storages["playbook_images"]


def served_image(folder: str, name: str) -> tuple[str, str] | None:
    """(stored name, content type) of the image ``/media/playbook/<folder>/<name>`` may serve,
    or None when the playbook never writes such a name there."""
    pattern = SERVED_NAMES.get(folder)
    match = pattern.fullmatch(name) if pattern else None
    if match is None:
        return None
    return f"playbook/{folder}/{name}", CONTENT_TYPES[match[1]]


class UploadRejected(Exception):
    """The file is not an acceptable image; the message is safe to show the user."""


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))


def _check_pixels(image: Image.Image) -> None:
    """Refuse an image with too many pixels from its header, before anything is decoded:
    a few hundred kilobytes of PNG can decode to gigabytes."""
    pixels = image.width * image.height
    share = PIXEL_LIMIT_SHARE.get(image.format)
    limit = int(settings.UPLOAD_MAX_PIXELS * (share or 1))
    if pixels > limit:
        names = {
            "width": image.width,
            "height": image.height,
            "megapixels": f"{pixels / 1e6:.1f}",
            "limit": f"{limit / 1e6:g}",
            "format": image.format,
        }
        if share:
            message = _(
                "The image is %(width)s×%(height)s pixels (%(megapixels)s megapixels); the limit "
                "for %(format)s images is %(limit)s megapixels."
            )
        else:
            message = _(
                "The image is %(width)s×%(height)s pixels (%(megapixels)s megapixels); the limit "
                "is %(limit)s megapixels."
            )
        raise UploadRejected(message % names)


def _pixels_only(image: Image.Image) -> Image.Image:
    """A copy with the pixels, palette and transparency only: savers write comments, ICC
    profiles, EXIF and XMP from ``info`` (GIF and JPEG comments, PNG ICC profiles did), so
    nothing of ``info`` is carried over but the transparent colour."""
    clean = image.copy()  # a fresh image: no cached EXIF either
    clean.info = {key: image.info[key] for key in KEPT_INFO if key in image.info}
    return clean


def _reencode(image: Image.Image, image_format: str) -> bytes:
    # Decode no more than the stored size needs: a JPEG decodes at 1/2, 1/4 or 1/8 scale
    # (draft) and thumbnail() reduces from there; other formats decode once, within
    # UPLOAD_MAX_PIXELS. Modes are converted after the reduction, on the small image.
    image.draft(None, (MAX_DIMENSION, MAX_DIMENSION))
    image.thumbnail((MAX_DIMENSION, MAX_DIMENSION))
    ImageOps.exif_transpose(image, in_place=True)  # the EXIF goes: turn the pixels as it said
    image = _pixels_only(image)
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image_format in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {}
    image.save(out, format=image_format, **options)
    return out.getvalue()


def store_image(upload) -> str:
    """Validate, re-encode and store an uploaded image; return its public URL."""
    if upload is None:
        raise UploadRejected(_("No image was sent."))
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise UploadRejected(
            _("The image is too large (the limit is %(kilobytes)s KB).")
            % {"kilobytes": settings.UPLOAD_MAX_BYTES // 1024}
        )
    data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise UploadRejected(_("The image is too large."))
    try:
        with warnings.catch_warnings():
            # Over MAX_IMAGE_PIXELS Pillow only warns; treat that as a bomb too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(data) as probe:
                image_format = probe.format
                _check_pixels(probe)
                probe.verify()
            with _open(data) as image:
                encoded = _reencode(image, image_format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(_("The image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise UploadRejected(
            _("The file is not a PNG, JPEG, GIF or WEBP image, or it is damaged.")
        ) from None
    if image_format not in ALLOWED_FORMATS:
        raise UploadRejected(_("Only PNG, JPEG, GIF and WEBP images are accepted."))
    name = f"{UPLOAD_DIR}/{uuid.uuid4().hex}.{ALLOWED_FORMATS[image_format]}"
    stored = image_storage().save(name, ContentFile(encoded))
    return image_storage().url(stored)
