"""Ticket attachments: size and type checks (by extension and by content), storage outside the
database under MEDIA_ROOT, and the timeline and audit entries of an upload."""

import codecs
import logging
import os
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError, StorageUnavailable
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import Attachment, Ticket, TicketEvent

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = Attachment._meta.get_field("original_name").max_length or 255
# How much of a text file is read to decide it really is text.
TEXT_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("PDF", "application/pdf"),
    "png": FileKind("PNG", "image/png"),
    "jpg": FileKind("JPEG", "image/jpeg"),
    "gif": FileKind("GIF", "image/gif"),
    "txt": FileKind("text", "text/plain"),
    "csv": FileKind("CSV", "text/csv"),
    "docx": FileKind(
        "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": FileKind("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
EXTENSIONS = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".gif": "gif",
    ".txt": "txt",
    ".csv": "csv",
    ".docx": "docx",
    ".xlsx": "xlsx",
}
# Leading bytes of formats that must never pass as text (executables, archives, images …).
BINARY_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"PK\x03\x04",
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\xd0\xcf\x11\xe0",
    b"#!",
)


def max_bytes() -> int:
    return int(getattr(settings, "SQMS_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def allowed_extensions() -> list[str]:
    return sorted(EXTENSIONS)


def _read_head(stream: IO[bytes], size: int) -> bytes:
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def _is_text(stream: IO[bytes]) -> bool:
    head = _read_head(stream, TEXT_SNIFF_BYTES)
    if head.startswith(BINARY_SIGNATURES) or b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # final=False: a multi-byte character cut at the end of the sample is not an error.
            text = decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
        return controls == 0
    return False


def _zip_has(stream: IO[bytes], member: str) -> bool:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        stream.seek(0)
    return "[Content_Types].xml" in names and member in names


def content_matches(kind: str, stream: IO[bytes]) -> bool:
    """Whether the bytes really are a file of `kind` (the extension alone proves nothing)."""
    head = _read_head(stream, 16)
    if kind == "pdf":
        return head.startswith(b"%PDF-")
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if kind in ("txt", "csv"):
        return _is_text(stream)
    if kind == "docx":
        return head.startswith(b"PK\x03\x04") and _zip_has(stream, "word/document.xml")
    if kind == "xlsx":
        return head.startswith(b"PK\x03\x04") and _zip_has(stream, "xl/workbook.xml")
    return False


def clean_name(name: str) -> str:
    """The name shown and offered for download: the base name only, without control
    characters, at most NAME_MAX characters (keeping the extension)."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip()
    if len(base) > NAME_MAX:
        stem, ext = os.path.splitext(base)
        base = stem[: NAME_MAX - len(ext)] + ext
    return base or "file"


def check_upload(upload: UploadedFile) -> str:
    """Validate an upload; return its kind (e.g. "pdf") or raise DomainError on `file`."""
    limit = max_bytes()
    if upload.size is None or upload.size == 0:
        raise DomainError(_("The file is empty."), field="file")
    if upload.size > limit:
        raise DomainError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field="file",
        )
    ext = os.path.splitext(upload.name or "")[1].lower()
    kind = EXTENSIONS.get(ext)
    if kind is None:
        raise DomainError(
            _("Files of this type are not accepted; allowed: %(types)s.")
            % {"types": ", ".join(allowed_extensions())},
            field="file",
        )
    stream: IO[bytes] = upload.file  # type: ignore[assignment]
    if not content_matches(kind, stream):
        raise DomainError(
            _("The file's content is not a %(kind)s file, whatever its name says.")
            % {"kind": KINDS[kind].label},
            field="file",
        )
    return kind


def add_attachment(ticket: Ticket, *, actor: Any, upload: UploadedFile) -> Attachment:
    """Store an uploaded file on a ticket (the caller has checked the ticket is in scope)."""
    kind = check_upload(upload)
    original = clean_name(upload.name or "")
    # The stored name is random: nothing a user typed reaches the file system's path.
    stored_name = f"{uuid.uuid4().hex}{os.path.splitext(original)[1].lower()}"
    upload.name = stored_name
    with transaction.atomic():
        attachment = Attachment(
            ticket=ticket,
            original_name=original,
            content_type=KINDS[kind].content_type,
            size=upload.size or 0,
            uploaded_by=actor,
        )
        _store(attachment, stored_name, upload)
        try:
            attachment.save()
            TicketEvent.objects.create(
                ticket=ticket,
                actor=actor,
                event_type=EventType.ATTACHMENT,
                message=original,
                data={"attachment": attachment.pk, "size": attachment.size, "type": kind},
            )
            audit.record(
                AuditAction.CREATE,
                attachment,
                actor=actor,
                org_unit=ticket.org_unit,
                after={
                    "ticket": ticket.pk,
                    "original_name": original,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "file": attachment.file.name,
                },
            )
        except Exception:
            # A refused or failed save must not leave the file behind on disk.
            attachment.file.delete(save=False)
            raise
    return attachment


def _store(attachment: Attachment, stored_name: str, upload: UploadedFile) -> None:
    """Write the file, or raise StorageUnavailable leaving nothing behind: the storage does not
    remove what it had written when the disk fills up (or fails) in the middle."""
    try:
        attachment.file.save(stored_name, upload, save=False)
    except OSError as error:
        name = attachment.file.field.generate_filename(attachment, stored_name)
        try:
            attachment.file.storage.delete(name)
        except OSError:
            logger.exception("could not remove the partly written attachment %s", name)
        logger.error("could not store attachment %s: %s", name, error)
        raise StorageUnavailable(
            _(
                "The file could not be stored: the attachment storage is full or cannot be "
                "written. Nothing was saved; please try again later or tell the administrator."
            ),
            field="file",
            code="storage_unavailable",
        ) from error


def open_attachment(attachment: Attachment) -> IO[bytes]:
    """The stored file, opened for reading (raises FileNotFoundError if it went missing)."""
    return attachment.file.storage.open(str(attachment.file.name), "rb")


# A stored file is never interpreted by the browser: no scripts, no plug-ins, no framing.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def download_response(attachment: Attachment) -> FileResponse:
    """The stored file as a download (raises FileNotFoundError if it went missing)."""
    response = FileResponse(
        open_attachment(attachment),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    return response
