"""Portal fixtures: a valid submission, uploads, staff who work the ticket, and files kept in a
temporary MEDIA_ROOT."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sqms.portal import services
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def quick_forms(settings: Any) -> None:
    """Forms may be sent at once in tests; the timing tests set the minimum back."""
    settings.SQMS_PORTAL_MIN_FILL_SECONDS = 0


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def form_data(org: Any) -> dict[str, Any]:
    """A valid submission as the web form posts it."""
    return {
        "kind": "complaint",
        "org_unit": str(org.hall1.pk),
        "title": "营业厅办理业务等候时间过长",
        "description": "周六上午在一号营业厅排队一个多小时，窗口只开了两个。",
        "customer_name": "张三",
        "customer_phone": PHONE,
        "email": "zhangsan@example.com",
        "language": "zh-hans",
        "consent": "on",
        "website": "",
        "form_token": services.issue_form_token(),
    }


def submission(org: Any, **changes: Any) -> services.Submission:
    values: dict[str, Any] = {
        "kind": "complaint",
        "org_unit": org.hall1,
        "title": "宽带断网",
        "description": "家里宽带从昨晚开始无法上网。",
        "customer_name": "李四",
        "customer_phone": PHONE,
        "consent": True,
        "email": "",
        "language": "zh-hans",
        "form_token": services.issue_form_token(),
    }
    values.update(changes)
    return services.Submission(**values)


@pytest.fixture
def submit(org: Any) -> Any:
    """submit(**changes) → a ticket submitted through the portal's service."""

    def make(address: str = "10.0.0.1", **changes: Any) -> Ticket:
        return services.submit_request(submission(org, **changes), address=address)

    return make


@pytest.fixture
def staff(make_user: Any, org: Any) -> dict[str, Any]:
    return {
        "agent": make_user("agent", unit=org.hall1, last_name="王", first_name="小明"),
        "manager": make_user("unit_manager", unit=org.hall1, last_name="赵", first_name="经理"),
    }


@pytest.fixture
def move(staff: Any) -> Any:
    """move(ticket, "verified") → the ticket worked by the hall's staff up to that status."""
    steps = {
        "responded": ["respond"],
        "in_progress": ["respond", "start"],
        "resolved": ["respond", "start", "resolve"],
        "verified": ["respond", "start", "resolve", "verify"],
        "closed": ["respond", "start", "resolve", "verify", "close"],
    }

    def run(ticket: Ticket, status: str) -> Ticket:
        agent, manager = staff["agent"], staff["manager"]
        for step in steps[status]:
            if step == "respond":
                desk.respond_to_ticket(ticket, actor=agent, message="已受理")
            elif step == "start":
                desk.start_ticket(ticket, actor=agent)
            elif step == "resolve":
                desk.resolve_ticket(ticket, actor=agent, resolution="已增开窗口")
            elif step == "verify":
                desk.verify_resolution(ticket, actor=manager)
            elif step == "close":
                desk.close_ticket(ticket, actor=manager)
        ticket.refresh_from_db()
        return ticket

    return run
