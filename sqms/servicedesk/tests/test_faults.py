"""Faults around the service desk: the SLA sweep's worker killed in the middle, and a full disk
under an attachment upload."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sqms.core import audit
from sqms.core.models import AuditEvent, Notification
from sqms.core.tests.processes import schedule_only, wait_until
from sqms.servicedesk import sla
from sqms.servicedesk.choices import Channel, EventType, Level, Priority, TicketKind
from sqms.servicedesk.models import SlaPolicy, Ticket, TicketEvent
from sqms.servicedesk.tasks import sla_sweep

# The worker sweeps BATCH tickets per transaction: several batches, so the kill comes after
# some have committed and before the rest.
BATCH = 50
WARNED, ESCALATED = 150, 150


def _tickets(owner: Any, count: int, planned_at: Any, prefix: str) -> list[Ticket]:
    tickets = []
    for index in range(count):
        ticket = Ticket(
            number=f"{prefix}{index:06d}",
            kind=TicketKind.COMPLAINT,
            channel=Channel.PHONE,
            title="Bill too high",
            org_unit=owner.org_unit,
            first_contact_owner=owner,
            assignee=owner,
            impact=Level.LOW,
            urgency=Level.LOW,
            priority=Priority.P4,
            created_at=planned_at,
        )
        sla.plan(ticket, planned_at)
        tickets.append(ticket)
    return Ticket.objects.bulk_create(tickets, batch_size=500)


def test_a_sweep_killed_midway_then_rerun_warns_and_escalates_each_ticket_once(
    shared_db, org, make_user
):
    SlaPolicy.objects.update(is_active=False)
    SlaPolicy.objects.create(
        name="fault test",
        kind=TicketKind.COMPLAINT,
        channel=Channel.PHONE,
        response_minutes=60,
        resolve_minutes=600,
        warn_percent=50,
        business_time=False,
        escalate_raise_priority=False,
        escalate_to_manager=True,
    )
    owner = make_user("agent", unit=org.hall1, username="owner")
    make_user("unit_manager", unit=org.branch1, username="manager")
    now = timezone.now()
    # Response warning at 30 minutes, breach at 60: these are due a warning only …
    warned = _tickets(owner, WARNED, now - timedelta(minutes=40), "FW")
    # … and these an escalation (a late sweep escalates without a separate warning).
    escalated = _tickets(owner, ESCALATED, now - timedelta(minutes=70), "FE")
    schedule_only(sla_sweep)
    shared_db.push()

    worker = shared_db.start("worker", "--interval", "0.2", SQMS_SLA_SWEEP_BATCH=str(BATCH))
    progress = "SELECT count(*) FROM servicedesk_ticketevent WHERE event_type IN (%s, %s)"
    kinds = (EventType.SLA_WARNING, EventType.ESCALATION)
    try:
        wait_until(
            lambda: shared_db.scalar(progress, *kinds),
            120,
            "the first batch's commit",
            child=worker,
        )
        # PostgreSQL: inside its next batch, tickets updated and events not yet written.
        shared_db.kill_midway(worker, "servicedesk_ticketevent")
    finally:
        if worker.poll() is None:
            worker.kill()
    done_at_kill = shared_db.scalar(progress, *kinds)
    assert 0 < done_at_kill < WARNED + ESCALATED, done_at_kill

    shared_db.pull()
    schedule_only(sla_sweep)  # the next minute's run
    shared_db.push()
    rerun = shared_db.run("worker", "--batch", SQMS_SLA_SWEEP_BATCH=str(BATCH))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    shared_db.pull()

    def count(event_type: str, tickets: list[Ticket]) -> dict[int, int]:
        rows = TicketEvent.objects.filter(
            event_type=event_type, ticket__in=[t.pk for t in tickets]
        ).values_list("ticket_id", flat=True)
        seen: dict[int, int] = {t.pk: 0 for t in tickets}
        for ticket_id in rows:
            seen[ticket_id] += 1
        return seen

    assert set(count(EventType.SLA_WARNING, warned).values()) == {1}
    assert set(count(EventType.ESCALATION, warned).values()) == {0}
    assert set(count(EventType.ESCALATION, escalated).values()) == {1}
    assert set(count(EventType.SLA_WARNING, escalated).values()) == {0}
    assert set(
        Ticket.objects.filter(pk__in=[t.pk for t in escalated]).values_list(
            "escalation_level", flat=True
        )
    ) == {1}
    assert Notification.objects.count() == WARNED + 2 * ESCALATED  # owner; owner and manager
    assert AuditEvent.objects.filter(object_type="servicedesk.ticket").count() == ESCALATED
    assert audit.verify_chain()[1] is None


# --- a full disk under an upload -----------------------------------------------------------

# Larger than the 64 KiB file system: the write fails in the middle.
BIG_TEXT = "客户来电记录：宽带故障。\n".encode() * 8000
SMALL_TEXT = "已联系客户。\n".encode()


def stored_files(root: Any) -> list[Any]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_an_upload_onto_a_full_disk_is_refused_clearly_and_leaves_nothing(
    full_media, org, make_user
):
    from rest_framework.test import APIClient

    from sqms.servicedesk import services
    from sqms.servicedesk.models import Attachment

    agent = make_user("agent", unit=org.hall1)
    ticket = services.register_ticket(
        actor=agent, kind=TicketKind.CONSULTATION, channel=Channel.WEB, title="附件测试"
    )
    events, audits = TicketEvent.objects.count(), AuditEvent.objects.count()
    client = APIClient()
    client.force_authenticate(agent)
    url = f"/api/servicedesk/tickets/{ticket.pk}/attachments/"

    refused = client.post(
        url, {"file": SimpleUploadedFile("记录.txt", BIG_TEXT)}, format="multipart"
    )

    assert refused.status_code == 507, refused.content
    body = refused.json()
    assert body["code"] == "storage_unavailable"
    assert "附件存储空间已满或无法写入" in body["detail"]
    assert not Attachment.objects.exists()
    assert (TicketEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)
    assert stored_files(full_media) == []  # no half-written file left behind
    # The space the failed write took is free again: a small file fits.
    stored = client.post(
        url, {"file": SimpleUploadedFile("备注.txt", SMALL_TEXT)}, format="multipart"
    )
    assert stored.status_code == 201, stored.content
    assert [p.read_bytes() for p in stored_files(full_media)] == [SMALL_TEXT]


@pytest.mark.django_db
def test_the_attachment_page_shows_a_full_disk_on_the_form(full_media, org, make_user):
    from django.test import Client

    from sqms.servicedesk import services
    from sqms.servicedesk.models import Attachment

    agent = make_user("agent", unit=org.hall1)
    ticket = services.register_ticket(
        actor=agent, kind=TicketKind.CONSULTATION, channel=Channel.WEB, title="附件测试"
    )
    client = Client()
    client.force_login(agent)
    response = client.post(
        f"/tickets/{ticket.pk}/attachments/", {"file": SimpleUploadedFile("记录.txt", BIG_TEXT)}
    )
    assert response.status_code == 400
    # In the agent's language (English).
    assert "the attachment storage is full or cannot be written" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(full_media) == []
