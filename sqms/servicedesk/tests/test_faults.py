"""Faults around the service desk: the SLA sweep's worker killed in the middle."""

from datetime import timedelta
from typing import Any

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
