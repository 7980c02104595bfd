"""Rewards and penalties (奖惩): proposed with evidence, approved by a manager, audited."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.numbering import next_number
from sqms.core.scope import unit_in_scope
from sqms.servicedesk.models import Ticket
from sqms.staff.choices import ApprovalStatus
from sqms.staff.models import RewardPenalty
from sqms.staff.records import require

APPROVE = "staff.approve_rewardpenalty"
EDITABLE = ("kind", "reason", "amount_fen", "points", "evidence_ticket", "evidence_reference")


def _check(actor: Any, values: dict[str, Any]) -> None:
    person = values.get("person")
    if person is not None:
        if person.pk == actor.pk:
            raise DomainError(
                _("You may not propose a reward or penalty for yourself."), field="person"
            )
        if not unit_in_scope(actor, person.org_unit):
            raise DomainError(_("This person is outside your scope."), field="person")
    ticket = values.get("evidence_ticket")
    if ticket is not None and not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
        raise DomainError(_("This ticket is outside your scope."), field="evidence_ticket")
    if not (values.get("reason") or "").strip():
        raise DomainError(_("Give the reason."), field="reason")
    if values.get("amount_fen", 0) < 0 or values.get("points", 0) < 0:
        raise DomainError(
            _("Amounts and points are positive; the kind says reward or penalty."),
            field="amount_fen",
        )


def propose(*, actor: Any, **values: Any) -> RewardPenalty:
    require(actor, "staff.add_rewardpenalty")
    values = {k: v for k, v in values.items() if k in (*EDITABLE, "person")}
    _check(actor, values)
    with transaction.atomic():
        record = RewardPenalty(
            **values,
            number=next_number("JC"),
            org_unit_id=values["person"].org_unit_id,
            created_by=actor,
        )
        record.full_clean()
        record.save()
        audit.record(AuditAction.CREATE, record, actor=actor, after=audit.snapshot(record))
    return record


def change(record: RewardPenalty, *, actor: Any, **values: Any) -> RewardPenalty:
    """Only the proposer changes a record, and only while it waits for approval."""
    if record.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the proposer changes this record."))
    if record.status != ApprovalStatus.PENDING:
        raise ConflictError(_("A decided record cannot be changed."))
    values = {k: v for k, v in values.items() if k in EDITABLE}
    merged = {name: getattr(record, name) for name in EDITABLE} | values
    _check(actor, merged)
    with transaction.atomic():
        before = audit.snapshot(record)
        for name, value in values.items():
            setattr(record, name, value)
        record.full_clean()
        record.save()
        old, new = audit.changes(before, audit.snapshot(record))
        audit.record(AuditAction.UPDATE, record, actor=actor, before=old, after=new)
    return record


def withdraw(record: RewardPenalty, *, actor: Any) -> None:
    if record.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the proposer withdraws this record."))
    if record.status != ApprovalStatus.PENDING:
        raise ConflictError(_("A decided record cannot be withdrawn."))
    with transaction.atomic():
        audit.record(AuditAction.DELETE, record, actor=actor, before=audit.snapshot(record))
        record.delete()


def decide(record: RewardPenalty, *, actor: Any, approve: bool, note: str = "") -> RewardPenalty:
    """A manager approves or rejects: not their own proposal, not about themselves."""
    require(actor, APPROVE)
    if not unit_in_scope(actor, record.org_unit):
        raise PermissionDenied(_("This record is outside your scope."))
    if record.person_id == actor.pk or record.created_by_id == actor.pk:
        raise PermissionDenied(_("Someone else must decide on a record you proposed or about you."))
    with transaction.atomic():
        record = RewardPenalty.objects.select_for_update().get(pk=record.pk)
        if record.status != ApprovalStatus.PENDING:
            raise ConflictError(_("This record has already been decided."))
        record.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.decision_note = (note or "").strip()[:300]
        record.save()
        audit.record(
            AuditAction.TRANSITION,
            record,
            actor=actor,
            before={"status": ApprovalStatus.PENDING},
            after={"status": record.status, "note": record.decision_note},
        )
    return record
