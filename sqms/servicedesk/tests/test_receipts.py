"""The acceptance receipt (业务受理单): a PDF with the number, commitments and tracking help, in
the reader's language, for tickets in scope only."""

import shutil
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sqms.servicedesk import receipts
from sqms.servicedesk.tests.doc_helpers import make_committed_ticket, make_ticket

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, through poppler's pdftotext (scripts/test.sh installs poppler-utils)."""
    assert PDFTOTEXT, "pdftotext (Debian's poppler-utils) is needed to read the receipt"
    done = subprocess.run(  # noqa: S603 - a fixed local tool, the PDF on stdin
        [PDFTOTEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


@pytest.fixture
def owner(org: Any, make_user: Any) -> Any:
    return make_user(
        "agent", unit=org.hall1, first_name="芳", last_name="王", employee_number="E1001"
    )


def test_receipt_context_masks_and_localises(org: Any, owner: Any) -> None:
    ticket = make_committed_ticket(
        org.hall1,
        owner,
        response_due_at=datetime(2026, 10, 9, 1, 0, tzinfo=UTC),
        resolve_due_at=datetime(2026, 10, 10, 8, 30, tzinfo=UTC),
    )
    with translation.override("zh-hans"):
        context = receipts.receipt_context(ticket)
    assert context["customer_name"] == "李**"
    assert context["customer_phone"] == "138****5678"
    # Due times are shown in the unit's time zone (Asia/Shanghai: UTC+8).
    assert context["response_due"] == "2026-10-09 09:00"
    assert context["resolve_due"] == "2026-10-10 16:30"
    assert context["organisation"] == org.hq.name
    assert context["owner_employee_number"] == "E1001"
    assert "<svg" in context["qr_svg"]


def test_receipt_html_in_both_languages(org: Any, owner: Any, settings: Any) -> None:
    settings.SQMS_SERVICE_HOTLINE = "10086"
    ticket = make_committed_ticket(org.hall1, owner)
    english = receipts.receipt_html(ticket, language="en")
    assert ticket.number in english
    assert "Acceptance receipt" in english and "10086" in english
    assert "13812345678" not in english and "李小龙" not in english
    assert "王芳" in english and "E1001" in english
    chinese = receipts.receipt_html(ticket, language="zh-hans")
    assert ticket.number in chinese and 'lang="zh-hans"' in chinese


@pytest.mark.skipif(not PDFTOTEXT, reason="pdftotext (poppler-utils) is not installed")
def test_receipt_view_returns_a_pdf_with_the_number(org: Any, owner: Any) -> None:
    ticket = make_committed_ticket(org.hall1, owner, title="宽带无法上网")
    client = Client()
    client.force_login(owner)
    response = client.get(reverse("ticket_receipt", args=[ticket.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="receipt-{ticket.number}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert ticket.number in text
    assert "宽带无法上网" in text
    assert "138****5678" in text and "13812345678" not in text
    assert "E1001" in text
    english = client.get(reverse("ticket_receipt", args=[ticket.pk]), {"language": "en"})
    assert "Acceptance receipt" in pdf_text(english.content)


def test_receipt_is_scoped_and_needs_the_permission(org: Any, owner: Any, make_user: Any) -> None:
    ticket = make_ticket(org.hall1, owner)
    url = reverse("ticket_receipt", args=[ticket.pk])
    outsider = Client()
    outsider.force_login(make_user("agent", unit=org.hall2))
    assert outsider.get(url).status_code == 404
    trainer = Client()
    trainer.force_login(make_user("trainer", unit=org.hall1))
    assert trainer.get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert outsider.post(url).status_code == 405


def test_receipt_says_where_to_track_without_extra_settings(
    org: Any, owner: Any, settings: Any
) -> None:
    # With SQMS_PORTAL_URL unset (the default, and not in the README) the receipt only said
    # "on our customer portal", with no address: the customer could not find it.
    settings.SQMS_PORTAL_URL = ""
    settings.SQMS_PUBLIC_BASE_URL = "https://service.example.cn/"
    ticket = make_committed_ticket(org.hall1, owner)
    english = receipts.receipt_html(ticket, language="en")
    assert "https://service.example.cn/portal/track/" in english
    settings.SQMS_PORTAL_URL = "https://kf.example.cn/"
    assert "https://kf.example.cn/" in receipts.receipt_html(ticket, language="zh-hans")
