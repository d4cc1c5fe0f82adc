"""Files of the content-asset library: identified by their bytes, kept private, served by the app.

The client's file name and content type are ignored for everything but the name the file
downloads as. ``filetype`` must recognise the bytes as one of ``ALLOWED_TYPES`` (PDF, office
documents, PNG/JPEG/GIF/WEBP images); the file is stored in the default (private) storage under
a generated name with the detected type's extension, and reaches a browser only through
``asset_views.download``, with the detected content type, ``nosniff``, and
``Content-Disposition: attachment`` for everything but images.
"""

import uuid
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ASSET_DIR = "playbook/assets"
# Detected MIME type → stored extension. Images are shown in the browser; the rest download.
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
ALLOWED_TYPES = IMAGE_TYPES | DOCUMENT_TYPES
ALLOWED_DESCRIPTION = _(
    "PDF, Word, Excel, PowerPoint or OpenDocument files, or PNG, JPEG, GIF, WEBP"
)
SNIFF_BYTES = 8192  # filetype reads the first 8 KB (an office file's zip entry names are there)


class AssetFileRejected(Exception):
    """The upload is not an acceptable file; the message is safe to show the user."""


@dataclass(frozen=True)
class StoredAssetFile:
    name: str  # in the default storage
    download_name: str
    content_type: str


def _download_name(client_name: str, extension: str) -> str:
    stem = get_valid_filename(PurePath(client_name or "").stem)[:100] if client_name else ""
    return f"{stem or 'asset'}.{extension}"


def store_asset_file(upload) -> StoredAssetFile:
    """Check the size and the detected type of an upload and store it privately."""
    if upload is None:
        raise AssetFileRejected(gettext("No file was sent."))
    limit = settings.ASSET_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise AssetFileRejected(
            gettext("The file is too large (the limit is %(megabytes)s MB).")
            % {"megabytes": limit // (1024 * 1024)}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise AssetFileRejected(gettext("The file is too large."))
    detected = filetype.guess(data[:SNIFF_BYTES])
    content_type = detected.mime if detected else None
    if content_type not in ALLOWED_TYPES:
        raise AssetFileRejected(
            gettext("Only %(allowed)s are accepted.") % {"allowed": ALLOWED_DESCRIPTION}
        )
    extension = ALLOWED_TYPES[content_type]
    name = default_storage.save(f"{ASSET_DIR}/{uuid.uuid4().hex}.{extension}", ContentFile(data))
    return StoredAssetFile(
        name=name,
        download_name=_download_name(upload.name, extension),
        content_type=content_type,
    )


def shown_inline(content_type: str) -> bool:
    """Images are shown in the browser; documents always download (attachment)."""
    return content_type in IMAGE_TYPES


def delete_asset_file(name: str) -> None:
    if name:
        default_storage.delete(name)
