"""A full disk under a portal request with attachments: a clear error, and no ticket, customer
or file left of it."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sqms.customers.models import Customer
from sqms.portal.tests.conftest import png
from sqms.servicedesk.models import Attachment, Ticket

# Larger than the 64 KiB file system of `full_media`: the second file fills it mid-write.
BIG_TEXT = "周六上午排队一个多小时。\n".encode() * 8000


@pytest.mark.django_db
def test_a_request_whose_attachment_meets_a_full_disk_registers_nothing(
    full_media: Any, form_data: dict[str, Any]
) -> None:
    form_data["attachments"] = [png("a.png"), SimpleUploadedFile("经过.txt", BIG_TEXT)]
    response = Client().post("/portal/submit/", form_data)
    assert response.status_code == 400
    assert "附件存储空间已满或无法写入" in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()
    assert not Attachment.objects.exists()
    # Neither the first file, stored before the disk filled up, nor the half of the second.
    assert [path for path in full_media.rglob("*") if path.is_file()] == []
