"""Training: enrolment, attendance, trainee feedback, and what each person still has to do."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.scope import unit_in_scope
from sqms.staff.certifying import add_months
from sqms.staff.models import Enrolment, PlanItem, TrainingSession
from sqms.staff.models.base import ancestor_paths
from sqms.staff.records import require


def enrol(session: TrainingSession, person: Any, *, actor: Any) -> Enrolment:
    """Put `person` on a session: within the actor's scope, once, while there is room."""
    require(actor, "staff.add_enrolment")
    if not unit_in_scope(actor, person.org_unit):
        raise DomainError(_("This person is outside your scope."), field="person")
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if Enrolment.objects.filter(session=session, person=person).exists():
            raise ConflictError(_("This person is already enrolled."), code="duplicate")
        if Enrolment.objects.filter(session=session).count() >= session.capacity:
            raise ConflictError(_("The session is full."), code="full")
        enrolment = Enrolment.objects.create(
            session=session, person=person, org_unit_id=person.org_unit_id, created_by=actor
        )
        audit.record(AuditAction.CREATE, enrolment, actor=actor, after=audit.snapshot(enrolment))
    return enrolment


def record_attendance(enrolment: Enrolment, attended: bool, *, actor: Any) -> Enrolment:
    """Mark attendance; attending completes the course on the session's last day."""
    require(actor, "staff.change_enrolment")
    with transaction.atomic():
        before = audit.snapshot(enrolment, ["attended", "completed_on"])
        enrolment.attended = attended
        enrolment.completed_on = timezone.localdate(enrolment.session.ends_at) if attended else None
        enrolment.save(update_fields=["attended", "completed_on", "updated_at"])
        after = audit.snapshot(enrolment, ["attended", "completed_on"])
        audit.record(AuditAction.UPDATE, enrolment, actor=actor, before=before, after=after)
    return enrolment


def submit_feedback(
    enrolment: Enrolment, *, actor: Any, rating: int, comment: str = ""
) -> Enrolment:
    """The trainee's evaluation of a session they attended (1-5 and a comment)."""
    if enrolment.person_id != actor.pk:
        raise PermissionDenied(_("Only the trainee gives feedback on their training."))
    if not enrolment.attended:
        raise ConflictError(_("Feedback is given after attending the session."))
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise DomainError(_("Rate the session from 1 to 5."), field="feedback_rating")
    if len(comment) > 2000:
        raise DomainError(_("The comment is too long."), field="feedback_comment")
    with transaction.atomic():
        enrolment.feedback_rating = rating
        enrolment.feedback_comment = comment.strip()
        enrolment.save(update_fields=["feedback_rating", "feedback_comment", "updated_at"])
        audit.record(
            AuditAction.UPDATE,
            enrolment,
            actor=actor,
            after={"feedback_rating": rating},
        )
    return enrolment


# --- what is due ----------------------------------------------------------------------------


@dataclass
class TrainingDue:
    person: Any
    item: PlanItem
    last_completed: date | None
    due_on: date | None  # None: done for good (a one-off course completed)
    overdue: bool


def _applicable_items(person: Any) -> list[PlanItem]:
    unit = person.org_unit
    if unit is None or not person.position:
        return []
    return list(
        PlanItem.objects.filter(
            plan__is_active=True,
            plan__position=person.position,
            plan__org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen),
        ).select_related("course", "plan")
    )


def _due(person: Any, item: PlanItem, last: date | None, today: date) -> TrainingDue:
    if last is not None:
        due = add_months(last, item.recurrence_months) if item.recurrence_months else None
    else:
        start = timezone.localdate(item.plan.created_at)
        if person.hire_date and person.hire_date > start:
            start = person.hire_date
        due = start + timedelta(days=item.due_within_days)
    return TrainingDue(person, item, last, due, due is not None and due < today)


def training_status(person: Any, *, today: date | None = None) -> list[TrainingDue]:
    """Every course the person's position plans for, with its last completion and due date."""
    day = today or timezone.localdate()
    items = _applicable_items(person)
    completions = dict(
        Enrolment.objects.filter(
            person=person.pk, attended=True, session__course__in=[i.course_id for i in items]
        )
        .values("session__course")
        .annotate(last=models.Max("completed_on"))
        .values_list("session__course", "last")
    )
    return [_due(person, item, completions.get(item.course_id), day) for item in items]


def overdue_training(people: Any, *, today: date | None = None) -> list[TrainingDue]:
    """Overdue courses of the given people (a queryset of users), in a fixed number of queries."""
    day = today or timezone.localdate()
    people = list(people.select_related("org_unit").exclude(position=""))
    if not people:
        return []
    positions = {p.position for p in people}
    items = list(
        PlanItem.objects.filter(plan__is_active=True, plan__position__in=positions).select_related(
            "course", "plan", "plan__org_unit"
        )
    )
    completions: dict[tuple[int, int], date] = {
        (row["person"], row["session__course"]): row["last"]
        for row in Enrolment.objects.filter(person__in=[p.pk for p in people], attended=True)
        .values("person", "session__course")
        .annotate(last=models.Max("completed_on"))
    }
    result = []
    for person in people:
        if person.org_unit is None:
            continue
        for item in items:
            if item.plan.position != person.position or not person.org_unit.path.startswith(
                item.plan.org_unit.path
            ):
                continue
            due = _due(person, item, completions.get((person.pk, item.course_id)), day)
            if due.overdue:
                result.append(due)
    result.sort(key=lambda row: (row.due_on or day, row.person.username))
    return result
