"""Drills (演练): programmes with recurrence, drills run as exercise incidents, evaluation,
and the daily reminders of overdue drills and plan reviews."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit
from sqms.core.notify import notify
from sqms.core.scope import unit_in_scope
from sqms.emergency.choices import DrillStatus, DrillType, IncidentSource
from sqms.emergency.models import Drill, DrillProgramme, EmergencyPlan, Incident, PlanVersion
from sqms.emergency.services.common import (
    ADD_DRILL,
    ADD_PROGRAMME,
    CHANGE_DRILL,
    CHANGE_PROGRAMME,
    duty_officers,
    require,
    required_text,
)
from sqms.emergency.services.incidents import report_incident
from sqms.emergency.services.plans import current_version

PROGRAMME_FIELDS = [
    "plan",
    "title",
    "drill_type",
    "interval_months",
    "next_due_on",
    "owner",
    "org_unit",
    "is_active",
]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def save_programme(
    programme: DrillProgramme | None, *, actor: Any, **values: Any
) -> DrillProgramme:
    require(actor, CHANGE_PROGRAMME if programme else ADD_PROGRAMME)
    with transaction.atomic():
        obj = programme or DrillProgramme(created_by=actor)
        before = audit.snapshot(obj, PROGRAMME_FIELDS) if programme else {}
        for key in (
            "plan",
            "title",
            "drill_type",
            "interval_months",
            "next_due_on",
            "owner",
            "is_active",
        ):
            if key in values:
                setattr(obj, key, values[key])
        if "org_unit" in values or programme is None:
            unit = values.get("org_unit")
            if unit is None or not unit_in_scope(actor, unit):
                raise DomainError(_("Choose an org unit in your scope."), field="org_unit")
            obj.org_unit = unit
        obj.title = required_text(obj.title, "title", _("Give the programme a title."))
        if obj.drill_type not in DrillType.values:
            raise DomainError(_("Choose the drill type."), field="drill_type")
        if not obj.interval_months or obj.interval_months < 1:
            raise DomainError(
                _("Give the interval in months (1 or more)."), field="interval_months"
            )
        if obj.next_due_on is None:
            raise DomainError(_("Give the next due date."), field="next_due_on")
        if obj.owner_id is None:
            raise DomainError(_("Choose the owner."), field="owner")
        obj.save()
        after = audit.snapshot(obj, PROGRAMME_FIELDS)
        if programme is None:
            audit.record(AuditAction.CREATE, obj, actor=actor, after=after)
        else:
            old, new = audit.changes(before, after)
            audit.record(AuditAction.UPDATE, obj, actor=actor, before=old, after=new)
    return obj


def delete_programme(programme: DrillProgramme, *, actor: Any) -> None:
    require(actor, "emergency.delete_drillprogramme")
    with transaction.atomic():
        audit.record(
            AuditAction.DELETE,
            programme,
            actor=actor,
            before=audit.snapshot(programme, PROGRAMME_FIELDS),
        )
        programme.delete()


def start_drill(
    *,
    actor: Any,
    plan: EmergencyPlan,
    scenario: str,
    drill_type: str = DrillType.TABLETOP,
    programme: DrillProgramme | None = None,
    org_unit: OrgUnit | None = None,
    customer_facing: bool = False,
) -> Drill:
    """Start a drill: an exercise incident reported under the plan's event type. It then runs
    through the same flow as a real incident, telling only its participants."""
    require(actor, ADD_DRILL)
    scenario = required_text(scenario, "scenario", _("Describe the scenario."))
    if drill_type not in DrillType.values:
        raise DomainError(_("Choose the drill type."), field="drill_type")
    unit = org_unit or (programme.org_unit if programme else None) or actor.org_unit
    if unit is None or not unit_in_scope(actor, unit):
        raise DomainError(_("Choose an org unit in your scope."), field="org_unit")
    if current_version(plan) is None:
        raise DomainError(_("The plan has no approved version in force."), field="plan")
    with transaction.atomic():
        incident = report_incident(
            actor=actor,
            org_unit=unit,
            title=_("Drill: %(plan)s") % {"plan": plan.title},
            description=scenario,
            source=IncidentSource.DRILL,
            event_type=plan.event_type,
            customer_facing=customer_facing,
            is_drill=True,
            system=True,
        )
        drill = Drill.objects.create(
            programme=programme,
            plan=plan,
            drill_type=drill_type,
            scenario=scenario,
            org_unit=unit,
            incident=incident,
            status=DrillStatus.RUNNING,
            started_at=incident.reported_at,
            created_by=actor,
        )
        audit.record(
            AuditAction.CREATE,
            drill,
            actor=actor,
            after={"plan": plan.pk, "drill_type": drill_type, "incident": incident.pk},
        )
    return drill


def finish_drill_of(incident: Incident, actor: Any) -> None:
    """Called when a drill's exercise closes: the drill is done and its programme moves on."""
    drill = Drill.objects.select_for_update().filter(incident=incident).first()
    if drill is None or drill.status != DrillStatus.RUNNING:
        return
    drill.status = DrillStatus.DONE
    drill.finished_at = timezone.now()
    drill.save(update_fields=["status", "finished_at", "updated_at"])
    if drill.programme_id:
        programme = DrillProgramme.objects.select_for_update().get(pk=drill.programme_id)
        today = timezone.localdate()
        programme.last_done_on = today
        programme.next_due_on = add_months(
            max(programme.next_due_on, today), programme.interval_months
        )
        programme.reminded_on = None
        programme.save(update_fields=["last_done_on", "next_due_on", "reminded_on", "updated_at"])
    audit.record(AuditAction.TRANSITION, drill, actor=actor, after={"status": drill.status})


def cancel_drill(drill: Drill, *, actor: Any, reason: str) -> Drill:
    from sqms.emergency.services.incidents import dismiss_incident

    require(actor, CHANGE_DRILL)
    reason = required_text(reason, "reason", _("Say why the drill is cancelled."))
    with transaction.atomic():
        locked = Drill.objects.select_for_update().get(pk=drill.pk)
        if locked.status != DrillStatus.RUNNING:
            raise ConflictError(_("Only a running drill can be cancelled."), code="not_running")
        if locked.incident is not None and locked.incident.status in ("reported", "assessed"):
            dismiss_incident(locked.incident, actor=actor, reason=reason)
        elif locked.incident is not None:
            raise ConflictError(
                _("The exercise is under way; finish it through its review."), code="under_way"
            )
        locked.status = DrillStatus.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        audit.record(
            AuditAction.TRANSITION,
            locked,
            actor=actor,
            after={"status": locked.status, "reason": reason},
        )
    return locked


def evaluation(drill: Drill) -> dict[str, Any]:
    """Step times against the plan's targets, and recovery against each critical service's
    RTO and MTPD."""
    incident = drill.incident
    if incident is None:
        return {"steps": [], "services": [], "on_time": 0, "late": 0, "open": 0}
    steps = []
    on_time = late = still_open = 0
    for task in incident.tasks.select_related("assignee").order_by("due_at", "id"):
        if task.done_at is None:
            still_open += 1
        elif task.done_at <= task.due_at:
            on_time += 1
        else:
            late += 1
        start = task.due_at - timedelta(minutes=task.target_minutes)
        taken = (
            None
            if task.done_at is None
            else max(0, int((task.done_at - start).total_seconds() // 60))
        )
        steps.append(
            {"task": task, "taken": taken, "target": task.target_minutes, "on_time": task.on_time}
        )
    recovery = incident.minutes_between("detected_at", "restored_at")
    services = []
    for service in drill.plan.critical_services.all():
        services.append(
            {
                "service": service,
                "recovery": recovery,
                "meets_rto": None if recovery is None else recovery <= service.rto_minutes,
                "meets_mtpd": None if recovery is None else recovery <= service.mtpd_minutes,
            }
        )
    return {
        "steps": steps,
        "services": services,
        "on_time": on_time,
        "late": late,
        "open": still_open,
        "recovery": recovery,
    }


# --- reminders ---------------------------------------------------------------------------------


def remind_overdue(today: date | None = None) -> dict[str, int]:
    """Tell owners of overdue drill programmes and of plans past their review date; once a
    day each, however often it runs."""
    today = today or timezone.localdate()
    drills = 0
    due = (
        DrillProgramme.objects.filter(is_active=True, next_due_on__lt=today)
        .exclude(reminded_on=today)
        .select_related("owner", "plan")
    )
    for programme in due:
        with transaction.atomic():
            claimed = (
                DrillProgramme.objects.filter(pk=programme.pk)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not claimed:
                continue
            title, day = programme.title, programme.next_due_on
            notify(
                [programme.owner],
                lambda title=title, day=day: (
                    _("Drill overdue: %(title)s was due on %(day)s.")  # type: ignore[misc]
                    % {"title": title, "day": day.isoformat()}
                ),
                url=reverse("emergency:programme_list"),
                obj=programme,
            )
            drills += 1
    reviews = 0
    overdue_versions = (
        PlanVersion.objects.filter(status="approved", next_review_on__lt=today)
        .exclude(plan__review_reminded_on=today)
        .select_related("plan__owner", "plan__org_unit")
    )
    seen = set()
    for version in overdue_versions:
        plan = version.plan
        if plan.pk in seen or current_version(plan, today) != version:
            continue
        seen.add(plan.pk)
        with transaction.atomic():
            claimed = (
                EmergencyPlan.objects.filter(pk=plan.pk)
                .exclude(review_reminded_on=today)
                .update(review_reminded_on=today)
            )
            if not claimed:
                continue
            owners = [plan.owner] if plan.owner else list(duty_officers(plan.org_unit)[:5])
            code, review_day = plan.code, version.next_review_on
            notify(
                owners,
                lambda code=code, day=review_day: (
                    _("Plan review overdue: %(code)s was due for review on %(day)s.")  # type: ignore[misc]
                    % {"code": code, "day": day.isoformat() if day else ""}
                ),
                url=reverse("emergency:plan_detail", args=[plan.pk]),
                obj=plan,
            )
            reviews += 1
    return {"drills": drills, "reviews": reviews}
