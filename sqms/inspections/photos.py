"""Inspection photos: size and type checked by their first bytes (not the name or the browser's
claim), stored under MEDIA_ROOT with a name of our own, served only within scope."""

import os
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sqms.core.errors import DomainError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# type: (content type, extension, test on the first 16 bytes)
IMAGE_TYPES: dict[str, tuple[str, str]] = {
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    "webp": ("image/webp", ".webp"),
}


def max_bytes() -> int:
    return int(getattr(settings, "SQMS_INSPECTION_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes) -> str | None:
    """The image type of a file from its magic bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def check_photo(upload: UploadedFile | None) -> tuple[str, str]:
    """(content type, extension) of an acceptable photo; DomainError(field="file") otherwise."""
    if upload is None:
        raise DomainError(_("Choose a photo to upload."), field="file", code="required")
    if not upload.size:
        raise DomainError(_("The file is empty."), field="file", code="empty")
    limit = max_bytes()
    if upload.size > limit:
        raise DomainError(
            _("The photo is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            field="file",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise DomainError(
            _("Upload a photo as JPEG, PNG or WebP."), field="file", code="invalid_type"
        )
    return IMAGE_TYPES[kind]


def clean_name(name: str) -> str:
    base = os.path.basename(str(name or "").replace("\\", "/")).strip() or "photo"
    return base[:200]


def open_photo(photo: Any) -> IO[bytes]:
    return photo.file.open("rb")


def photo_response(photo: Any) -> FileResponse:
    response = FileResponse(open_photo(photo), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
