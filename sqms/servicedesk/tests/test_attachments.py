"""Ticket attachments: size and type limits (extension and content), storage outside the
database, scope-checked download, timeline and audit."""

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.models import AuditEvent
from sqms.servicedesk import attachments
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import Attachment, TicketEvent
from sqms.servicedesk.tests.doc_helpers import make_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def office_file(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def agent(org: Any, make_user: Any) -> Any:
    return make_user("agent", unit=org.hall1)


@pytest.fixture
def ticket(org: Any, agent: Any) -> Any:
    return make_ticket(org.hall1, agent)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.PNG", PNG),
        ("scan.pdf", PDF),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("anim.gif", b"GIF89a" + b"\x00" * 20),
        ("note.txt", "客户来电记录\n第二行".encode()),
        ("list.csv", "号码,姓名\n1,张三\n".encode("gbk")),
        ("letter.docx", office_file("word/document.xml")),
        ("sheet.xlsx", office_file("xl/workbook.xml")),
    ],
)
def test_allowed_types_are_stored_outside_the_database(
    ticket: Any, agent: Any, media: Path, name: str, content: bytes
) -> None:
    attachment = attachments.add_attachment(
        ticket, actor=agent, upload=SimpleUploadedFile(name, content)
    )
    stored = media / str(attachment.file.name)
    assert stored.read_bytes() == content
    assert attachment.original_name == name and attachment.size == len(content)
    # The stored name is random, never the user's.
    assert Path(str(attachment.file.name)).stem != Path(name).stem
    event = TicketEvent.objects.get(ticket=ticket, event_type=EventType.ATTACHMENT)
    assert event.data["attachment"] == attachment.pk
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE,
        object_type="servicedesk.attachment",
        object_id=str(attachment.pk),
    ).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.png", EXE),  # an executable renamed
        ("virus.exe", EXE),
        ("fake.pdf", PNG),
        ("fake.txt", EXE),
        ("fake.csv", b"PK\x03\x04rest-of-a-zip"),
        ("fake.docx", office_file("xl/workbook.xml")),
        ("fake.xlsx", b"PK\x03\x04not really a zip"),
        ("binary.txt", b"hello\x00world"),
        ("no-extension", PDF),
        ("empty.pdf", b""),
    ],
)
def test_wrong_types_are_refused(
    ticket: Any, agent: Any, media: Path, name: str, content: bytes
) -> None:
    with pytest.raises(DomainError) as refused:
        attachments.add_attachment(ticket, actor=agent, upload=SimpleUploadedFile(name, content))
    assert refused.value.field == "file"
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in media.rglob("*")) if media.exists() else True


def test_size_limit(ticket: Any, agent: Any, settings: Any) -> None:
    settings.SQMS_ATTACHMENT_MAX_BYTES = 1000
    attachments.add_attachment(
        ticket, actor=agent, upload=SimpleUploadedFile("ok.txt", b"a" * 1000)
    )
    with translation.override("en"), pytest.raises(DomainError, match="too large"):
        attachments.add_attachment(
            ticket, actor=agent, upload=SimpleUploadedFile("big.txt", b"a" * 1001)
        )
    assert Attachment.objects.count() == 1


def test_names_are_cleaned() -> None:
    assert attachments.clean_name("../../etc/passwd.txt") == "passwd.txt"
    assert attachments.clean_name("C:\\Users\\x\\报告.pdf") == "报告.pdf"
    assert attachments.clean_name('a"b<c>\r\n.pdf') == "abc.pdf"
    long = attachments.clean_name("x" * 400 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


# --- pages ------------------------------------------------------------------------------------


def test_upload_page_and_download(ticket: Any, agent: Any, settings: Any) -> None:
    client = logged_in(agent)
    url = reverse("ticket_attachments", args=[ticket.pk])
    response = client.post(url, {"file": SimpleUploadedFile("回执.pdf", PDF)})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    page = client.get(url)
    assert page.status_code == 200 and "回执.pdf" in page.content.decode()
    download = client.get(reverse("attachment_download", args=[ticket.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%9B%9E%E6%89%A7.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    # Nothing under MEDIA_ROOT is reachable by a public URL.
    stored = str(attachment.file.name)
    assert client.get("/media/" + stored).status_code == 404
    assert client.get("/" + stored).status_code == 404


def test_upload_refusals_are_form_errors(ticket: Any, agent: Any, settings: Any) -> None:
    settings.SQMS_ATTACHMENT_MAX_BYTES = 100
    client = logged_in(agent)
    url = reverse("ticket_attachments", args=[ticket.pk])
    big = client.post(url, {"file": SimpleUploadedFile("big.txt", b"a" * 101)})
    assert big.status_code == 400
    assert "too large" in " ".join(big.context["form"].errors["file"])
    renamed = client.post(url, {"file": SimpleUploadedFile("photo.png", EXE)})
    assert renamed.status_code == 400
    assert renamed.context["form"].errors["file"]
    missing = client.post(url, {})
    assert missing.status_code == 400
    assert not Attachment.objects.exists()


def test_out_of_scope_is_not_found(org: Any, ticket: Any, agent: Any, make_user: Any) -> None:
    attachment = attachments.add_attachment(
        ticket, actor=agent, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    outsider = logged_in(make_user("agent", unit=org.hall2))
    download = reverse("attachment_download", args=[ticket.pk, attachment.pk])
    assert outsider.get(download).status_code == 404
    assert outsider.get(reverse("ticket_attachments", args=[ticket.pk])).status_code == 404
    response = outsider.post(
        reverse("ticket_attachments", args=[ticket.pk]),
        {"file": SimpleUploadedFile("b.pdf", PDF)},
    )
    assert response.status_code == 404
    # An attachment id under another (visible) ticket's URL is not found either.
    other = make_ticket(org.hall2, make_user("agent", unit=org.hall2))
    mine = make_ticket(org.hall1, agent)
    foreign = attachments.add_attachment(
        other, actor=agent, upload=SimpleUploadedFile("c.pdf", PDF)
    )
    client = logged_in(agent)
    assert client.get(reverse("attachment_download", args=[mine.pk, foreign.pk])).status_code == 404
    assert Attachment.objects.count() == 2


def test_permissions(org: Any, ticket: Any, agent: Any, make_user: Any) -> None:
    attachment = attachments.add_attachment(
        ticket, actor=agent, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    inspector = logged_in(make_user("quality_inspector", unit=org.hall1))
    url = reverse("ticket_attachments", args=[ticket.pk])
    page = inspector.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert inspector.post(url, {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 403
    download = inspector.get(reverse("attachment_download", args=[ticket.pk, attachment.pk]))
    assert download.status_code == 200
    trainer = logged_in(make_user("trainer", unit=org.hall1))
    assert trainer.get(url).status_code == 403
    anonymous = Client().get(reverse("attachment_download", args=[ticket.pk, attachment.pk]))
    assert anonymous.status_code == 302
    assert Attachment.objects.count() == 1


# --- the API --------------------------------------------------------------------------------


def api_client(user: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_uploads_lists_and_downloads_attachments(ticket: Any, agent: Any) -> None:
    client = api_client(agent)
    url = f"/api/servicedesk/tickets/{ticket.pk}/attachments/"
    created = client.post(
        url, {"file": SimpleUploadedFile("现场照片.png", PNG)}, format="multipart"
    )
    assert created.status_code == 201, created.content
    assert created.json()["original_name"] == "现场照片.png"
    assert TicketEvent.objects.filter(ticket=ticket, event_type=EventType.ATTACHMENT).exists()
    listed = client.get(url)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [created.json()["id"]]
    download = client.get(created.json()["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_api_refuses_bad_files_and_other_units(
    ticket: Any, agent: Any, make_user: Any, org: Any
) -> None:
    client = api_client(agent)
    url = f"/api/servicedesk/tickets/{ticket.pk}/attachments/"
    renamed = client.post(url, {"file": SimpleUploadedFile("photo.png", EXE)}, format="multipart")
    assert renamed.status_code == 400 and "file" in renamed.json()
    missing = client.post(url, {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()
    assert not Attachment.objects.exists()
    stored = client.post(url, {"file": SimpleUploadedFile("a.png", PNG)}, format="multipart")
    download_url = stored.json()["download_url"]
    outsider = api_client(make_user("agent", unit=org.hall2))
    assert outsider.get(url).status_code == 404
    assert outsider.get(download_url).status_code == 404
    other = outsider.post(url, {"file": SimpleUploadedFile("b.png", PNG)}, format="multipart")
    assert other.status_code == 404
    reader = api_client(make_user("auditor", unit=org.hq))
    assert reader.get(download_url).status_code == 200  # auditors read everything
    refused = reader.post(url, {"file": SimpleUploadedFile("c.png", PNG)}, format="multipart")
    assert refused.status_code == 403
    assert Attachment.objects.count() == 1
    assert (
        client.get(f"/api/servicedesk/tickets/{ticket.pk}/attachments/999999/").status_code == 404
    )
