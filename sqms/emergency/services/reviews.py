"""The post-incident review (总结): required to close; its actions become improvement actions
and its plan-revision items open a new draft of the plan."""

import importlib
from datetime import date
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import User
from sqms.emergency.choices import IncidentStatus, ReviewActionKind, TimelineKind
from sqms.emergency.models import Incident, IncidentReview, ReviewAction
from sqms.emergency.services.common import CHANGE_INCIDENT, require, required_text
from sqms.emergency.services.incidents import (
    AUDIT_FIELDS,
    _tell_later,
    _transition,
    add_event,
    impact,
    lock,
    refresh,
    staff_audience,
)
from sqms.emergency.services.plans import new_draft

REVIEW_FIELDS = [
    "what_happened",
    "impact_customers",
    "impact_tickets",
    "impact_minutes",
    "timeline_summary",
    "root_cause",
    "went_well",
    "to_change",
]


def _timeline_text(incident: Incident) -> str:
    lines = []
    for event in incident.events.order_by("occurred_at", "id"):
        moment = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{moment} {event.get_kind_display()}: {event.message}")
    return "\n".join(lines)


def start_review(incident: Incident | int, *, actor: Any) -> Incident:
    """Start the review, prefilled with the impact counted so far and the timeline."""
    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked = lock(incident)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        counts = impact(locked)
        IncidentReview.objects.get_or_create(
            incident=locked,
            defaults={
                "impact_customers": counts["customers"],
                "impact_tickets": counts["tickets"],
                "impact_minutes": counts["outage_minutes"],
                "timeline_summary": _timeline_text(locked),
                "what_happened": locked.description,
            },
        )
        _transition(locked, actor, "start_review", before, _("Review started"))
    return refresh(incident, locked)


def _open_review(incident: Incident | int) -> tuple[Incident, IncidentReview]:
    locked = lock(incident)
    if locked.status != IncidentStatus.REVIEWING:
        raise ConflictError(_("The review is not open."), code="illegal_transition")
    review = IncidentReview.objects.select_for_update().get(incident=locked)
    if review.completed_at is not None:
        raise ConflictError(_("The review is completed."), code="completed")
    return locked, review


def update_review(incident: Incident | int, *, actor: Any, **values: Any) -> IncidentReview:
    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked, review = _open_review(incident)
        before = audit.snapshot(review, REVIEW_FIELDS)
        for key in REVIEW_FIELDS:
            if key in values and values[key] is not None:
                value = values[key]
                if key.startswith("impact_"):
                    try:
                        value = int(value)
                    except (TypeError, ValueError):
                        value = -1
                    if value < 0:
                        raise DomainError(_("Give a whole number, 0 or more."), field=key)
                setattr(review, key, value)
        review.save()
        old, new = audit.changes(before, audit.snapshot(review, REVIEW_FIELDS))
        audit.record(
            AuditAction.UPDATE, review, actor=actor, org_unit=locked.org_unit, before=old, after=new
        )
    return review


def add_review_action(
    incident: Incident | int,
    *,
    actor: Any,
    kind: str,
    title: str,
    detail: str = "",
    owner: User | None = None,
    deadline: date | None = None,
) -> ReviewAction:
    require(actor, CHANGE_INCIDENT)
    if kind not in ReviewActionKind.values:
        raise DomainError(_("Choose the kind of action."), field="kind")
    title = required_text(title, "title", _("Say what is to be done."))
    if kind == ReviewActionKind.IMPROVEMENT:
        if owner is None:
            raise DomainError(_("An improvement action needs an owner."), field="owner")
        if deadline is None:
            raise DomainError(_("An improvement action needs a deadline."), field="deadline")
        if deadline < timezone.localdate():
            raise DomainError(_("The deadline lies in the past."), field="deadline")
    with transaction.atomic():
        locked, review = _open_review(incident)
        action = ReviewAction.objects.create(
            review=review,
            kind=kind,
            title=title[:200],
            detail=detail or "",
            owner=owner,
            deadline=deadline,
        )
        audit.record(
            AuditAction.CREATE,
            action,
            actor=actor,
            org_unit=locked.org_unit,
            after={"kind": kind, "title": action.title},
        )
    return action


def remove_review_action(action: ReviewAction, *, actor: Any) -> None:
    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked, _review = _open_review(action.review.incident_id)
        audit.record(
            AuditAction.DELETE,
            action,
            actor=actor,
            org_unit=locked.org_unit,
            before={"kind": action.kind, "title": action.title},
        )
        action.delete()


def improvement_available() -> bool:
    if not apps.is_installed("sqms.improvement"):
        return False
    try:
        module = importlib.import_module("sqms.improvement.services")
    except ModuleNotFoundError:
        return False
    return hasattr(module, "open_action")


def _open_improvement(action: ReviewAction, incident: Incident, actor: Any) -> None:
    """Turn one review action into an improvement action (PDCA), once."""
    if action.improvement_ref or not improvement_available():
        return
    from sqms.improvement.services import open_action

    opened = open_action(
        actor=actor,
        source="drill" if incident.is_drill else "incident_review",
        source_object=incident,
        title=action.title,
        problem=action.detail or action.title,
        org_unit=incident.org_unit,
        owner=action.owner,
        deadline=action.deadline,
    )
    action.improvement_ref = str(getattr(opened, "number", "") or opened.pk)
    action.save(update_fields=["improvement_ref"])


def complete_review(incident: Incident | int, *, actor: Any) -> IncidentReview:
    """Complete the review: its improvement actions are opened, its plan-revision items put
    into a new draft of the plan (with the review as the reason)."""
    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked, review = _open_review(incident)
        required_text(review.what_happened, "what_happened", _("Describe what happened."))
        required_text(review.root_cause, "root_cause", _("State the root cause."))
        required_text(review.to_change, "to_change", _("Say what to change."))
        actions = list(review.actions.select_related("owner"))
        revisions = [a for a in actions if a.kind == ReviewActionKind.PLAN_REVISION]
        draft = None
        if revisions and locked.plan_version is not None:
            note = _("From the review of %(number)s:") % {"number": locked.number}
            note += "\n" + "\n".join(
                f"- {a.title}" + (f": {a.detail}" if a.detail else "") for a in revisions
            )
            draft = new_draft(
                locked.plan_version.plan,
                actor=actor,
                revision_note=note,
                source_review=review,
                check_permission=False,
            )
            for action in revisions:
                action.plan_version = draft
                action.save(update_fields=["plan_version"])
        for action in actions:
            if action.kind == ReviewActionKind.IMPROVEMENT:
                _open_improvement(action, locked, actor)
        review.completed_at = timezone.now()
        review.completed_by = actor
        review.save(update_fields=["completed_at", "completed_by"])
        add_event(
            locked,
            actor,
            TimelineKind.DECISION,
            _("Review completed"),
            data={"actions": len(actions), "plan_draft": draft.pk if draft else None},
        )
        audit.record(
            AuditAction.TRANSITION,
            review,
            actor=actor,
            org_unit=locked.org_unit,
            after={"completed": True, "actions": len(actions)},
        )
    return review


def close_incident(incident: Incident | int, *, actor: Any, note: str = "") -> Incident:
    """Close: only with a completed review. Closing a drill's exercise finishes the drill."""
    from sqms.emergency.services.drills import finish_drill_of

    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked = lock(incident)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        target_review = IncidentReview.objects.filter(incident=locked).first()
        if locked.status == IncidentStatus.REVIEWING and (
            target_review is None or target_review.completed_at is None
        ):
            raise ConflictError(
                _("Complete the post-incident review before closing."), code="review_required"
            )
        locked.closed_at = timezone.now()
        _transition(locked, actor, "close", before, note or _("Closed"))
        if locked.is_drill:
            finish_drill_of(locked, actor)
        _tell_later(
            locked,
            lambda: staff_audience(locked),
            lambda: _("Incident %(number)s is closed.") % {"number": locked.number},
        )
    return refresh(incident, locked)


def push_pending_actions() -> int:
    """Open the improvement actions of completed reviews that waited for the improvement app."""
    if not improvement_available():
        return 0
    count = 0
    pending = ReviewAction.objects.filter(
        kind=ReviewActionKind.IMPROVEMENT, improvement_ref="", review__completed_at__isnull=False
    ).select_related("review__incident__org_unit", "review__completed_by", "owner")
    for action in pending:
        with transaction.atomic():
            _open_improvement(action, action.review.incident, action.review.completed_by)
            count += 1
    return count
