"""Incident services: report, assess, activate, respond, inform, restore, timeline, impact.

Every function runs in one transaction, locks the incident row, checks the state machine
(sqms.emergency.transitions: 409 when illegal) and its own rules (DomainError: 400), writes the
timeline and the audit log, and sends notifications only after the commit. A drill (an incident
marked as exercise) tells nobody outside the drill and never reaches customers.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.notify import notify
from sqms.core.numbering import next_number
from sqms.core.scope import unit_in_scope
from sqms.emergency import customers
from sqms.emergency.choices import (
    EventType,
    IncidentLevel,
    IncidentSource,
    IncidentStatus,
    NoticeAudience,
    Phase,
    TimelineKind,
)
from sqms.emergency.models import (
    EmergencyPlan,
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentRole,
    IncidentTask,
    IncidentTicketLink,
)
from sqms.emergency.services.common import (
    ADD_INCIDENT,
    CHANGE_INCIDENT,
    duty_officers,
    past_or_now,
    people_with_role,
    require,
    required_text,
    user_label,
)
from sqms.emergency.services.plans import current_version, plan_for
from sqms.emergency.transitions import (
    LEVEL_CHANGE_STATUSES,
    NOTICE_STATUSES,
    TIMELINE_STATUSES,
    target_status,
)

NUMBER_PREFIX = "EM"
DRILL_PREFIX = "EX"
AUDIT_FIELDS = [
    "number",
    "title",
    "source",
    "is_drill",
    "event_type",
    "level",
    "plan_version",
    "status",
    "customer_facing",
    "commander",
    "org_unit",
    "detected_at",
    "assessed_at",
    "activated_at",
    "restored_at",
    "closed_at",
]


def incident_url(incident: Incident) -> str:
    return reverse("emergency:incident_detail", args=[incident.pk])


def lock(incident: Incident | int) -> Incident:
    pk = incident.pk if isinstance(incident, Incident) else incident
    return Incident.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=pk)


def refresh(original: Incident | int, changed: Incident) -> Incident:
    if isinstance(original, Incident) and original is not changed:
        original.refresh_from_db()
    return changed


def add_event(
    incident: Incident,
    actor: Any,
    kind: str,
    message: str = "",
    *,
    occurred_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> IncidentEvent:
    return IncidentEvent.objects.create(
        incident=incident,
        occurred_at=occurred_at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        message=message,
        data=data or {},
    )


def _transition(
    incident: Incident,
    actor: Any,
    action: str,
    before: dict[str, Any],
    message: str = "",
    *,
    occurred_at: datetime | None = None,
) -> None:
    source = incident.status
    incident.status = target_status(source, action)
    incident.save()
    add_event(
        incident,
        actor,
        TimelineKind.TRANSITION,
        message,
        occurred_at=occurred_at,
        data={"from": source, "to": incident.status, "action": action},
    )
    audit.record(
        AuditAction.TRANSITION,
        incident,
        actor=actor,
        before=before,
        after=audit.snapshot(incident, AUDIT_FIELDS),
    )


def participants(incident: Incident) -> list[User]:
    """Everyone inside the incident: its role holders, task assignees, reporter, commander."""
    people: dict[int, User] = {}
    for role in incident.roles.select_related("user"):
        people[role.user_id] = role.user
    for task in incident.tasks.select_related("assignee").exclude(assignee=None):
        if task.assignee is not None:
            people[task.assignee.pk] = task.assignee
    for person in (incident.reported_by, incident.commander):
        if person is not None:
            people[person.pk] = person
    return list(people.values())


def staff_audience(incident: Incident) -> list[User]:
    """Who a staff notice reaches: the participants, and for a real incident also the duty
    officers of its unit. A drill never reaches anyone outside it."""
    people = {user.pk: user for user in participants(incident)}
    if not incident.is_drill:
        for officer in duty_officers(incident.org_unit):
            people.setdefault(officer.pk, officer)
    return list(people.values())


def _tell_later(incident: Incident, recipients: Callable[[], list[User]], message: Any) -> None:
    url = incident_url(incident)

    def send() -> None:
        notify(recipients(), message, url=url, obj=incident)

    transaction.on_commit(send)


# --- report -----------------------------------------------------------------------------------


def report_incident(
    *,
    actor: Any,
    org_unit: OrgUnit | None,
    title: str,
    description: str = "",
    source: str = IncidentSource.UI,
    source_reference: str = "",
    detected_at: datetime | None = None,
    event_type: str = "",
    customer_facing: bool = False,
    is_drill: bool = False,
    system: bool = False,
) -> Incident:
    """Report (报告) an incident. `system` is for automatic reports (no acting user)."""
    if not system:
        require(actor, ADD_INCIDENT)
    title = required_text(title, "title", _("Say in a few words what happened."))
    if org_unit is None:
        raise DomainError(_("Choose the org unit affected."), field="org_unit")
    if not system and not unit_in_scope(actor, org_unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")
    if source not in IncidentSource.values:
        raise DomainError(_("Unknown source."), field="source")
    if event_type and event_type not in EventType.values:
        raise DomainError(_("Unknown event type."), field="event_type")
    now = timezone.now()
    detected = past_or_now(detected_at, "detected_at", now)
    reporter = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        incident = Incident.objects.create(
            number=next_number(DRILL_PREFIX if is_drill else NUMBER_PREFIX),
            org_unit=org_unit,
            title=title[:200],
            description=description or "",
            source=source,
            source_reference=source_reference[:100],
            is_drill=is_drill,
            event_type=event_type,
            customer_facing=customer_facing,
            reported_by=reporter,
            detected_at=detected,
            reported_at=now,
            created_by=reporter,
        )
        add_event(
            incident,
            actor,
            TimelineKind.DETECTION,
            description or title,
            occurred_at=detected,
            data={"source": source},
        )
        add_event(
            incident,
            actor,
            TimelineKind.TRANSITION,
            _("Reported"),
            occurred_at=now,
            data={"to": IncidentStatus.REPORTED, "action": "report"},
        )
        audit.record(
            AuditAction.CREATE, incident, actor=actor, after=audit.snapshot(incident, AUDIT_FIELDS)
        )
        number = incident.number
        _tell_later(
            incident,
            lambda: staff_audience(incident),
            lambda: (
                _("Incident %(number)s reported: %(title)s") % {"number": number, "title": title}
            ),
        )
    return incident


# --- assess -----------------------------------------------------------------------------------


def _level(value: Any) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in IncidentLevel.values:
        raise DomainError(_("Choose a level from I to IV."), field="level")
    return level


def assess_incident(
    incident: Incident | int,
    *,
    actor: Any,
    event_type: str,
    level: Any,
    plan: EmergencyPlan | None = None,
    customer_facing: bool | None = None,
    note: str = "",
) -> Incident:
    """Assess (评估): set type and level and freeze the plan version in force on the incident."""
    require(actor, CHANGE_INCIDENT)
    if event_type not in EventType.values:
        raise DomainError(_("Choose the event type."), field="event_type")
    level = _level(level)
    with transaction.atomic():
        locked = lock(incident)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        target_status(locked.status, "assess")
        chosen = plan or plan_for(event_type, locked.org_unit)
        if chosen is None or chosen.event_type != event_type:
            raise DomainError(_("There is no plan for this event type here."), field="event_type")
        version = current_version(chosen)
        if version is None:
            raise DomainError(
                _("The plan %(plan)s has no approved version in force.") % {"plan": chosen.code},
                field="plan",
            )
        now = timezone.now()
        locked.event_type = event_type
        locked.level = level
        locked.plan_version = version
        locked.assessed_at = now
        if customer_facing is not None:
            locked.customer_facing = customer_facing
        _transition(
            locked,
            actor,
            "assess",
            before,
            note
            or _("Graded %(level)s under %(version)s")
            % {"level": IncidentLevel(level).label, "version": version},
        )
    return refresh(incident, locked)


def change_level(incident: Incident | int, *, actor: Any, level: Any, reason: str) -> Incident:
    """Re-grade; once activated, the new level's steps not yet planned become tasks."""
    require(actor, CHANGE_INCIDENT)
    level = _level(level)
    reason = required_text(reason, "reason", _("Say why the level changes."))
    with transaction.atomic():
        locked = lock(incident)
        if locked.status not in LEVEL_CHANGE_STATUSES:
            raise ConflictError(
                _("The level cannot change while the incident is “%(status)s”.")
                % {"status": locked.get_status_display()},
                code="illegal_transition",
            )
        if locked.level == level:
            raise DomainError(_("The incident already has this level."), field="level")
        before = audit.snapshot(locked, AUDIT_FIELDS)
        old = locked.level
        locked.level = level
        locked.save()
        add_event(locked, actor, TimelineKind.LEVEL_CHANGE, reason, data={"from": old, "to": level})
        added = _plan_tasks(locked, actor) if locked.activated_at else []
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before=before,
            after=audit.snapshot(locked, AUDIT_FIELDS),
        )
        _tell_later(
            locked,
            lambda: staff_audience(locked),
            lambda: (
                _("Incident %(number)s is now %(level)s.")
                % {"number": locked.number, "level": IncidentLevel(level).label}
            ),
        )
        if added:
            _tell_assignees(locked, added)
    return refresh(incident, locked)


# --- activate ---------------------------------------------------------------------------------


def _default_holder(incident: Incident, role: dict[str, Any], actor: Any) -> Any:
    if role.get("code") == "commander":
        return actor
    if role.get("role"):
        candidates = people_with_role(incident.org_unit, role["role"])
        if incident.is_drill:
            # A drill stays among those who run it: the officer takes unfilled roles.
            candidates = candidates.filter(pk=actor.pk)
        person = candidates.first()
        if person is not None:
            return person
    return actor


def _due_base(incident: Incident, phase: str) -> tuple[datetime, datetime | None]:
    """When a step's clock starts, and when it was done if the flow has already done it."""
    started = incident.activated_at or timezone.now()
    if phase == Phase.REPORT:
        return incident.detected_at, incident.reported_at
    if phase == Phase.ASSESS:
        return incident.reported_at, incident.assessed_at
    if phase == Phase.ACTIVATE:
        return incident.reported_at, None
    return started, None


def _plan_tasks(incident: Incident, actor: Any) -> list[IncidentTask]:
    version = incident.plan_version
    if version is None:
        return []
    holders = {role.code: role for role in incident.roles.select_related("user")}
    have = set(incident.tasks.exclude(step_index=None).values_list("step_index", flat=True))
    tasks = []
    for index, step in enumerate(version.steps):
        if index in have or incident.level not in step.get("levels", []):
            continue
        start, done = _due_base(incident, step["phase"])
        holder = holders.get(step.get("role", ""))
        tasks.append(
            IncidentTask(
                incident=incident,
                phase=step["phase"],
                step_index=index,
                title=step["title"],
                role_code=step.get("role", ""),
                role_name=holder.name if holder else "",
                assignee=holder.user if holder else None,
                target_minutes=step["target_minutes"],
                due_at=start + timedelta(minutes=step["target_minutes"]),
                done_at=done,
                done_by=actor if done else None,
            )
        )
    return IncidentTask.objects.bulk_create(tasks)


def _tell_assignees(incident: Incident, tasks: list[IncidentTask]) -> None:
    by_user: dict[int, list[IncidentTask]] = {}
    for task in tasks:
        if task.assignee_id and task.done_at is None:
            by_user.setdefault(task.assignee_id, []).append(task)
    number = incident.number
    for user_id, own in by_user.items():
        count = len(own)
        _tell_later(
            incident,
            lambda uid=user_id: list(User.objects.filter(pk=uid)),  # type: ignore[misc]
            lambda count=count: (
                _("Incident %(number)s: %(count)d task(s) for you in the plan.")
                % {"number": number, "count": count}
            ),
        )


def activate_incident(
    incident: Incident | int,
    *,
    actor: Any,
    assignments: dict[str, Any] | None = None,
    note: str = "",
) -> Incident:
    """Activate (启动) the frozen plan: fill its roles with people and create its step tasks,
    each due at its target time."""
    require(actor, CHANGE_INCIDENT)
    assignments = assignments or {}
    with transaction.atomic():
        locked = lock(incident)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        target_status(locked.status, "activate")
        version = locked.plan_version
        if version is None:
            raise ConflictError(_("Assess the incident first."), code="illegal_transition")
        codes = {role["code"] for role in version.roles}
        unknown = set(assignments) - codes
        if unknown:
            raise DomainError(
                _("Unknown roles: %(codes)s") % {"codes": ", ".join(sorted(unknown))},
                field="assignments",
            )
        now = timezone.now()
        locked.activated_at = now
        roles = []
        for role in version.roles:
            person = assignments.get(role["code"]) or _default_holder(locked, role, actor)
            if isinstance(person, int | str):
                person = User.objects.filter(pk=person, is_active=True).first()
            if person is None or not person.is_active:
                raise DomainError(
                    _("Choose an active person for “%(role)s”.") % {"role": role["name"]},
                    field="assignments",
                )
            roles.append(
                IncidentRole(incident=locked, code=role["code"], name=role["name"], user=person)
            )
            if role["code"] == "commander":
                locked.commander = person
        IncidentRole.objects.bulk_create(roles)
        _transition(
            locked,
            actor,
            "activate",
            before,
            note or _("Plan %(version)s activated") % {"version": version},
        )
        for role in roles:
            add_event(
                locked,
                actor,
                TimelineKind.DECISION,
                _("%(role)s: %(person)s") % {"role": role.name, "person": user_label(role.user)},
                data={"role": role.code, "user": role.user.pk},
            )
        tasks = _plan_tasks(locked, actor)
        _tell_assignees(locked, tasks)
        holders = [role.user for role in roles]
        number = locked.number
        for person in {p.pk: p for p in holders}.values():
            names = ", ".join(r.name for r in roles if r.user.pk == person.pk)
            _tell_later(
                locked,
                lambda p=person: [p],  # type: ignore[misc]
                lambda names=names: (
                    _("Incident %(number)s: you are %(roles)s.")
                    % {"number": number, "roles": names}
                ),
            )
    return refresh(incident, locked)


def start_response(incident: Incident | int, *, actor: Any, note: str = "") -> Incident:
    """Response (处置) begins."""
    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked = lock(incident)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        _transition(locked, actor, "respond", before, note or _("Response started"))
    return refresh(incident, locked)


def restore_service(
    incident: Incident | int, *, actor: Any, restored_at: datetime | None = None, note: str = ""
) -> Incident:
    """Recovery (恢复): the service is back; the public notice comes off the status page."""
    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked = lock(incident)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        target_status(locked.status, "restore")
        moment = past_or_now(restored_at, "restored_at")
        if locked.detected_at - timedelta(minutes=1) < moment < locked.detected_at:
            # A time typed to the minute within the minute of detection.
            moment = locked.detected_at
        if moment < locked.detected_at:
            raise DomainError(
                _("Service cannot be restored before the incident was detected."),
                field="restored_at",
            )
        locked.restored_at = moment
        _transition(
            locked, actor, "restore", before, note or _("Service restored"), occurred_at=moment
        )
        _release_clocks(locked, actor)
        _tell_later(
            locked,
            lambda: staff_audience(locked),
            lambda: _("Incident %(number)s: service restored.") % {"number": locked.number},
        )
    return refresh(incident, locked)


def dismiss_incident(incident: Incident | int, *, actor: Any, reason: str) -> Incident:
    require(actor, CHANGE_INCIDENT)
    reason = required_text(reason, "reason", _("Say why this is not an incident."))
    with transaction.atomic():
        locked = lock(incident)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        locked.dismissed_reason = reason
        locked.closed_at = timezone.now()
        _transition(locked, actor, "dismiss", before, reason)
    return refresh(incident, locked)


# --- timeline, tasks, notices -----------------------------------------------------------------

ENTRY_KINDS = (
    TimelineKind.DETECTION,
    TimelineKind.ACTION,
    TimelineKind.DECISION,
    TimelineKind.STATUS_UPDATE,
)


def add_timeline_entry(
    incident: Incident | int,
    *,
    actor: Any,
    kind: str,
    message: str,
    occurred_at: datetime | None = None,
) -> IncidentEvent:
    """Write down what happened and when (never in the future)."""
    require(actor, CHANGE_INCIDENT)
    if kind not in ENTRY_KINDS:
        raise DomainError(_("Choose what kind of entry this is."), field="kind")
    message = required_text(message, "message", _("Say what happened."))
    moment = past_or_now(occurred_at, "occurred_at")
    with transaction.atomic():
        locked = lock(incident)
        if locked.status not in TIMELINE_STATUSES:
            raise ConflictError(_("The incident is closed."), code="closed")
        event = add_event(locked, actor, kind, message, occurred_at=moment)
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            after={"timeline": kind, "occurred_at": moment.isoformat()},
        )
    return event


def complete_task(task: IncidentTask, *, actor: Any, note: str = "") -> IncidentTask:
    """Tick a step off: its assignee or whoever manages the incident."""
    with transaction.atomic():
        locked = IncidentTask.objects.select_for_update().get(pk=task.pk)
        if locked.assignee_id != actor.pk and not actor.has_perm(CHANGE_INCIDENT):
            raise PermissionDenied(_("Only its assignee or the incident's managers may do this."))
        incident = lock(locked.incident_id)
        if incident.status not in TIMELINE_STATUSES:
            raise ConflictError(_("The incident is closed."), code="closed")
        if locked.done_at is not None:
            raise ConflictError(_("This task is done already."), code="done")
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.note = note or ""
        locked.save()
        add_event(
            incident,
            actor,
            TimelineKind.TASK,
            _("Done: %(task)s") % {"task": locked.title},
            data={"task": locked.pk, "on_time": locked.done_at <= locked.due_at},
        )
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            org_unit=incident.org_unit,
            after={"done_at": locked.done_at.isoformat()},
        )
    return locked


def publish_notice(
    incident: Incident | int, *, actor: Any, audience: str, title: str, body: str
) -> IncidentNotice:
    """Information release (信息发布): a staff notice tells the incident's people in the app;
    a public notice of a customer-facing outage shows on the service-status page and goes to
    the customer channels (never for a drill)."""
    require(actor, CHANGE_INCIDENT)
    if audience not in NoticeAudience.values:
        raise DomainError(_("Choose who the notice is for."), field="audience")
    title = required_text(title, "title", _("Give the notice a title."))
    body = required_text(body, "body", _("Write the notice."))
    with transaction.atomic():
        locked = lock(incident)
        if locked.status not in NOTICE_STATUSES:
            raise ConflictError(
                _("Notices are released once the plan is activated and until the review."),
                code="illegal_transition",
            )
        if audience == NoticeAudience.PUBLIC and not locked.customer_facing:
            raise DomainError(
                _("Only a customer-facing outage gets a public notice."), field="audience"
            )
        notice = IncidentNotice.objects.create(
            incident=locked,
            audience=audience,
            title=title[:200],
            body=body,
            published_at=timezone.now(),
            published_by=actor,
        )
        before = audit.snapshot(locked, AUDIT_FIELDS)
        message = _("%(audience)s notice: %(title)s") % {
            "audience": notice.get_audience_display(),
            "title": notice.title,
        }
        if locked.status == IncidentStatus.RESPONDING:
            _transition(locked, actor, "inform", before, message)
        else:
            add_event(locked, actor, TimelineKind.NOTICE, message, data={"notice": notice.pk})
        audit.record(
            AuditAction.CREATE,
            notice,
            actor=actor,
            org_unit=locked.org_unit,
            after={"audience": audience, "title": notice.title},
        )
        if audience == NoticeAudience.STAFF:
            text = f"{locked.number} {notice.title}"
            _tell_later(locked, lambda: staff_audience(locked), text)
        elif not locked.is_drill:
            transaction.on_commit(lambda: customers.notify_affected_customers(locked, notice))
    return notice


def withdraw_notice(notice: IncidentNotice, *, actor: Any) -> IncidentNotice:
    require(actor, CHANGE_INCIDENT)
    with transaction.atomic():
        locked = IncidentNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.withdrawn_at is not None:
            raise ConflictError(_("The notice is withdrawn already."), code="withdrawn")
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        incident = locked.incident
        add_event(
            incident,
            actor,
            TimelineKind.NOTICE,
            _("Notice withdrawn: %(title)s") % {"title": locked.title},
        )
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            org_unit=incident.org_unit,
            after={"withdrawn_at": locked.withdrawn_at.isoformat()},
        )
    return locked


# --- impact ------------------------------------------------------------------------------------


def link_tickets(
    incident: Incident | int,
    *,
    actor: Any,
    start: datetime,
    end: datetime | None = None,
    category: Any = None,
    org_unit: OrgUnit | None = None,
    pause_sla: bool = False,
    pause_reason: str = "",
) -> int:
    """Link the tickets registered in a time window, of a problem type (and the types below
    it) and a unit (and its subtree), that the actor can see. Returns how many were new."""
    from sqms.servicedesk.access import visible_tickets

    require(actor, CHANGE_INCIDENT)
    end = past_or_now(end, "end")
    if start is None or start >= end:
        raise DomainError(_("The window must start before it ends."), field="start")
    if pause_sla:
        pause_reason = required_text(
            pause_reason, "pause_reason", _("Record why the SLA clocks are to stop.")
        )
    with transaction.atomic():
        locked = lock(incident)
        if locked.status not in TIMELINE_STATUSES:
            raise ConflictError(_("The incident is closed."), code="closed")
        unit = org_unit or locked.org_unit
        if not unit_in_scope(actor, unit):
            raise DomainError(_("This org unit is outside your scope."), field="org_unit")
        tickets = visible_tickets(actor).filter(
            created_at__gte=start, created_at__lte=end, org_unit__path__startswith=unit.path
        )
        if category is not None:
            tickets = tickets.filter(category__path__startswith=category.path)
        have = set(locked.ticket_links.values_list("ticket_id", flat=True))
        new = [
            IncidentTicketLink(
                incident=locked,
                ticket_id=pk,
                linked_by=actor,
                sla_pause_requested=pause_sla,
                sla_pause_reason=pause_reason[:300] if pause_sla else "",
            )
            for pk in tickets.values_list("pk", flat=True)
            if pk not in have
        ]
        IncidentTicketLink.objects.bulk_create(new)
        summary = _("%(count)d ticket(s) linked") % {"count": len(new)}
        if pause_sla:
            held = _hold_clocks([link.ticket_id for link in new], actor, pause_reason)
            summary += " · " + _("SLA clocks held on %(held)d ticket(s): %(reason)s") % {
                "held": held,
                "reason": pause_reason,
            }
        add_event(
            locked,
            actor,
            TimelineKind.IMPACT,
            summary,
            data={
                "linked": len(new),
                "category": getattr(category, "pk", None),
                "unit": unit.pk,
                "pause_sla": pause_sla,
            },
        )
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            after={
                "linked_tickets": len(new),
                "sla_pause_requested": pause_sla,
                "sla_pause_reason": pause_reason,
            },
        )
    return len(new)


def _hold_clocks(ticket_ids: list[int], actor: Any, reason: str) -> int:
    """Stop the SLA clocks of the linked tickets the actor may change and whose clock runs;
    returns how many were held."""
    from sqms.servicedesk.services import hold_sla

    if not actor.has_perm("servicedesk.hold_sla"):
        return 0
    held = 0
    for pk in ticket_ids:
        try:
            hold_sla(pk, actor=actor, reason=reason)
        except ConflictError:
            continue  # its clock already stands still, or it is no longer open
        held += 1
    return held


def _release_clocks(incident: Incident, actor: Any) -> None:
    """Restart the clocks this incident held, once its service is restored."""
    from sqms.servicedesk.services import release_sla_hold

    if not actor.has_perm("servicedesk.hold_sla"):
        return
    links = incident.ticket_links.filter(sla_pause_requested=True)
    for pk in links.values_list("ticket_id", flat=True):
        try:
            release_sla_hold(pk, actor=actor)
        except (ConflictError, Http404):
            continue  # released already, resolved since, or out of the actor's sight


def impact(incident: Incident) -> dict[str, Any]:
    """Counts from the linked tickets: tickets, distinct customers, SLA effects, outage."""
    links = IncidentTicketLink.objects.filter(incident=incident)
    ticket_ids = links.values("ticket_id")
    from sqms.servicedesk.choices import OPEN_STATUSES as TICKET_OPEN
    from sqms.servicedesk.models import Ticket

    tickets = Ticket.objects.filter(pk__in=ticket_ids)
    counts = tickets.aggregate(
        total=Count("pk"),
        customers=Count(
            "customer_phone_index",
            distinct=True,
            filter=~Q(customer_phone_index="") & Q(customer_phone_index__isnull=False),
        ),
        breached=Count("pk", filter=Q(response_breached=True) | Q(resolve_breached=True)),
        open=Count("pk", filter=Q(status__in=list(TICKET_OPEN))),
        paused=Count("pk", filter=Q(paused_at__isnull=False)),
    )
    end = incident.restored_at or (timezone.now() if incident.status in TIMELINE_STATUSES else None)
    minutes = int((end - incident.detected_at).total_seconds() // 60) if end else 0
    return {
        "tickets": counts["total"],
        "customers": counts["customers"],
        "sla_breached": counts["breached"],
        "open_tickets": counts["open"],
        "sla_pause_requested": links.filter(sla_pause_requested=True).count(),
        "outage_minutes": max(0, minutes),
    }
