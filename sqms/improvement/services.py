"""Every state change of an improvement action: opening, planning, the PDCA steps and progress
(the effectiveness check is in checks.py, the overdue reminder in reminders.py).

Each function runs in one transaction, re-reads and locks the action within the actor's scope,
checks the step against the stage machine (sqms.improvement.transitions, 409 when illegal) and
its own rules (DomainError, 400), writes the timeline and audit events, and schedules
notifications for after the commit. A refused action changes nothing.
"""

import importlib
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.notify import notify
from sqms.core.numbering import next_number
from sqms.core.scope import unit_in_scope
from sqms.core.service_helpers import copy_saved_state, lock_in_scope, require_permission
from sqms.improvement.choices import (
    FISHBONE_CATEGORIES,
    WHY_FIELDS,
    ActionSource,
    Direction,
    EventType,
    Stage,
    Verdict,
)
from sqms.improvement.models import ActionEvent, EffectivenessCheck, ImprovementAction
from sqms.improvement.transitions import target_stage

VIEW = "improvement.view_improvementaction"
ADD = "improvement.add_improvementaction"
CHANGE = "improvement.change_improvementaction"
NUMBER_PREFIX = "IA"

# Fields of the plan that update_action may change (everything else moves through steps).
PLAN_FIELDS = (
    "title",
    "problem",
    *WHY_FIELDS,
    *(name for name, _label in FISHBONE_CATEGORIES),
    "root_cause",
    "goal",
    "indicator_code",
    "target_value",
    "target_direction",
    "baseline_value",
    "measures",
    "owner",
    "deadline",
    "check_due_on",
)
TEXT_FIELDS = {
    "title",
    "problem",
    *WHY_FIELDS,
    *(name for name, _label in FISHBONE_CATEGORIES),
    "root_cause",
    "goal",
    "measures",
    "indicator_code",
}
AUDIT_FIELDS = [
    "number",
    "org_unit",
    "source",
    "source_type",
    "source_id",
    "source_label",
    *PLAN_FIELDS,
    "stage",
    "cycle",
    "progress",
    "closed_at",
    "outcome",
]
MAX_LENGTHS = {"title": 200, "indicator_code": 64}


# --- helpers ------------------------------------------------------------------------------


def _require(actor: Any, *permissions: str) -> None:
    require_permission(
        actor, permissions, _("You are not allowed to do this with improvement actions.")
    )


def _lock(action: ImprovementAction | int, actor: Any) -> ImprovementAction:
    _require(actor, VIEW)
    return lock_in_scope(
        ImprovementAction,
        action,
        actor,
        related=("org_unit", "owner"),
        missing=_("No such improvement action."),
    )


_refresh = copy_saved_state


def _is_owner(actor: Any, action: ImprovementAction) -> bool:
    return action.owner_id is not None and action.owner_id == getattr(actor, "pk", None)


def _may_steer(actor: Any, action: ImprovementAction) -> None:
    """Editing the plan and moving through PDCA: holders of the change permission, or the
    action's owner."""
    if actor.has_perm(CHANGE) or _is_owner(actor, action):
        return
    raise PermissionDenied(_("Only the owner or a manager of improvement actions may do this."))


def _snapshot(action: ImprovementAction) -> dict[str, Any]:
    return audit.snapshot(action, AUDIT_FIELDS)


def _audit(verb: str, action: ImprovementAction, actor: Any, before: dict[str, Any]) -> None:
    old, new = audit.changes(before, _snapshot(action))
    audit.record(verb, action, actor=actor, before=old, after=new)


def _event(
    action: ImprovementAction,
    actor: Any,
    event_type: str,
    *,
    message: str = "",
    from_stage: str = "",
    to_stage: str = "",
    progress: int | None = None,
) -> ActionEvent:
    return ActionEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        event_type=event_type,
        from_stage=from_stage,
        to_stage=to_stage,
        message=message,
        progress=progress,
    )


def action_url(action: ImprovementAction) -> str:
    try:
        return reverse("improvement_action_detail", args=[action.pk])
    except NoReverseMatch:
        return ""


def _notify_later(
    recipient_ids: Iterable[int | None],
    actor: Any,
    message: Callable[[], Any],
    action: ImprovementAction,
) -> None:
    """After the commit, tell these users (never the actor about their own doing)."""
    ids = {pk for pk in recipient_ids if pk is not None and pk != getattr(actor, "pk", None)}
    if not ids:
        return

    def send() -> None:
        notify(
            User.objects.filter(pk__in=ids, is_active=True),
            message,
            url=action_url(action),
            obj=action,
        )

    transaction.on_commit(send)


def _check_owner(actor: Any, owner: Any, org_unit: OrgUnit) -> None:
    """An owner is an active user whose unit the acting user can see."""
    if owner is None:
        return
    if not isinstance(owner, User) or not owner.is_active:
        raise DomainError(_("Choose an active user as owner."), field="owner")
    if owner.org_unit is None or not unit_in_scope(actor, owner.org_unit):
        raise DomainError(_("The owner must work in a unit you can see."), field="owner")


def _text(value: Any, field: str) -> str:
    text = str(value or "").strip()
    limit = MAX_LENGTHS.get(field)
    if limit and len(text) > limit:
        raise DomainError(
            _("Enter at most %(limit)d characters.") % {"limit": limit},
            field=field,
            code="max_length",
        )
    return text


def _decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as bad:
        raise DomainError(_("Enter a number."), field=field) from bad
    if not number.is_finite() or abs(number) >= Decimal("1e8"):
        raise DomainError(_("Enter a number below 100,000,000."), field=field)
    return number


def _date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as bad:
        raise DomainError(_("Enter a valid date."), field=field) from bad


def _source_unit(source_object: Any) -> OrgUnit | None:
    unit = getattr(source_object, "org_unit", None)
    return unit if isinstance(unit, OrgUnit) else None


# --- opening ------------------------------------------------------------------------------


def _link_back(source_object: models.Model, action: ImprovementAction, actor: Any) -> None:
    """Let the source's app record the action that answers it (e.g. an early-warning alert's
    link), when that app's services offer `link_improvement_action(source, action, actor=)`."""
    app_name = source_object._meta.app_config.name if source_object._meta.app_config else ""
    try:
        module = importlib.import_module(f"{app_name}.services")
    except ImportError:
        return
    link = getattr(module, "link_improvement_action", None)
    if callable(link) and module.__name__ != __name__:
        link(source_object, action, actor=actor)


def open_action(
    *,
    actor: Any,
    source: str,
    source_object: models.Model | None = None,
    title: str,
    problem: str = "",
    org_unit: OrgUnit | None = None,
    owner: User | None = None,
    deadline: date | None = None,
) -> ImprovementAction:
    """Open an improvement action (stage plan) for a finding from `source`.

    `source_object` (any saved model instance) is kept as a generic reference with a text label
    captured now. The org unit defaults to the source object's, then the actor's; it must lie
    in the actor's scope, as must the source object's unit.
    """
    _require(actor, ADD)
    if source not in ActionSource.values:
        raise DomainError(_("Select a valid source."), field="source", code="invalid_choice")
    title = _text(title, "title")
    if not title:
        raise DomainError(_("Give the action a title."), field="title", code="required")
    if source_object is not None and source_object.pk is None:
        raise DomainError(_("The source record is not saved."), field="source_object")
    source_unit = _source_unit(source_object)
    if source_unit is not None and not unit_in_scope(actor, source_unit):
        raise PermissionDenied(_("The source record lies outside your units."))
    unit = org_unit or source_unit or getattr(actor, "org_unit", None)
    if unit is None:
        raise DomainError(_("Choose the org unit the action belongs to."), field="org_unit")
    if not unit_in_scope(actor, unit):
        raise DomainError(_("Choose an org unit within your scope."), field="org_unit")
    _check_owner(actor, owner, unit)
    deadline = _date(deadline, "deadline")
    if deadline is not None and deadline < timezone.localdate():
        raise DomainError(_("The deadline cannot lie in the past."), field="deadline")

    with transaction.atomic():
        action = ImprovementAction(
            number=next_number(NUMBER_PREFIX),
            title=title,
            problem=str(problem or "").strip(),
            source=source,
            org_unit=unit,
            owner=owner,
            deadline=deadline,
            created_by=actor,
        )
        if source_object is not None:
            action.source_type = ContentType.objects.get_for_model(source_object)
            action.source_id = str(source_object.pk)
            action.source_label = str(source_object)[:200]
        action.save()
        _event(action, actor, EventType.OPENED, to_stage=Stage.PLAN, message=action.source_label)
        audit.record(AuditAction.CREATE, action, actor=actor, after=_snapshot(action))
        if source_object is not None:
            _link_back(source_object, action, actor)
        if owner is not None:
            _notify_later(
                [owner.pk],
                actor,
                lambda: (
                    _("You own improvement action %(number)s: %(title)s")
                    % {"number": action.number, "title": action.title}
                ),
                action,
            )
    return action


# --- planning -----------------------------------------------------------------------------


def update_action(
    action: ImprovementAction | int,
    *,
    actor: Any,
    team: Iterable[User] | None = None,
    **fields: Any,
) -> ImprovementAction:
    """Change the plan (problem, root causes, goal, measures, owner, deadline, check date,
    team) of an open action."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here."), field=sorted(unknown)[0])
    with transaction.atomic():
        locked = _lock(action, actor)
        _may_steer(actor, locked)
        if not locked.is_open:
            raise DomainError(_("A closed or cancelled action cannot be changed."), code="not_open")
        before = _snapshot(locked)
        old_owner = locked.owner_id
        old_deadline = locked.deadline
        old_team = list(locked.team.values_list("pk", flat=True)) if team is not None else []
        for name, value in fields.items():
            if name in TEXT_FIELDS:
                value = _text(value, name)
            elif name in {"target_value", "baseline_value"}:
                value = _decimal(value, name)
            elif name in {"deadline", "check_due_on"}:
                value = _date(value, name)
            elif name == "target_direction" and value not in Direction.values:
                raise DomainError(_("Select a valid choice."), field=name, code="invalid_choice")
            elif name == "owner":
                _check_owner(actor, value, locked.org_unit)
            setattr(locked, name, value)
        if "title" in fields and not locked.title:
            raise DomainError(_("Give the action a title."), field="title", code="required")
        today = timezone.localdate()
        if locked.deadline and locked.deadline < today and locked.deadline != old_deadline:
            raise DomainError(_("The deadline cannot lie in the past."), field="deadline")
        if locked.indicator_code and locked.target_value is None:
            raise DomainError(
                _("An indicator-linked goal needs a target value."), field="target_value"
            )
        locked.save()
        if team is not None:
            members = list(team)
            for member in members:
                if not isinstance(member, User) or not member.is_active:
                    raise DomainError(_("Choose active users for the team."), field="team")
                if member.org_unit is None or not unit_in_scope(actor, member.org_unit):
                    raise DomainError(
                        _("Team members must work in units you can see."), field="team"
                    )
            locked.team.set(members)
        after = _snapshot(locked)
        old, new = audit.changes(before, after)
        if team is not None and set(old_team) != {member.pk for member in members}:
            old["team"] = sorted(old_team)
            new["team"] = sorted(member.pk for member in members)
        if new:
            _event(locked, actor, EventType.UPDATED, message=_changed_labels(new))
            audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
        if locked.owner_id and locked.owner_id != old_owner:
            _notify_later(
                [locked.owner_id],
                actor,
                lambda: (
                    _("You own improvement action %(number)s: %(title)s")
                    % {"number": locked.number, "title": locked.title}
                ),
                locked,
            )
    return _refresh(action, locked)


def _changed_labels(changed: dict[str, Any]) -> str:
    """The changed fields by their names in the current language, for the timeline."""
    labels = [
        str(getattr(ImprovementAction._meta.get_field(name), "verbose_name", name))
        for name in sorted(changed)
    ]
    return ", ".join(labels)


def _plan_gaps(action: ImprovementAction) -> list[tuple[str, str]]:
    """What a plan still lacks before it can be carried out: (field, message)."""
    gaps = []
    if not action.problem:
        gaps.append(("problem", _("Describe the problem.")))
    causes = [getattr(action, name) for name, _label in FISHBONE_CATEGORIES]
    if not action.root_cause and not action.why_1 and not any(causes):
        gaps.append(("root_cause", _("Analyse the root cause (five whys or fishbone).")))
    if not action.goal:
        gaps.append(("goal", _("State the goal.")))
    if not action.measures:
        gaps.append(("measures", _("List the measures.")))
    if action.owner_id is None:
        gaps.append(("owner", _("Name an owner.")))
    if action.deadline is None:
        gaps.append(("deadline", _("Set a deadline.")))
    return gaps


# --- the PDCA steps -----------------------------------------------------------------------


def _latest_check(action: ImprovementAction) -> EffectivenessCheck | None:
    return action.checks.filter(cycle=action.cycle).order_by("-checked_at", "-id").first()


def advance(
    action: ImprovementAction | int, step: str, *, actor: Any, note: str = ""
) -> ImprovementAction:
    """Move the action one step through PDCA (see transitions.TRANSITIONS)."""
    note = str(note or "").strip()
    with transaction.atomic():
        locked = _lock(action, actor)
        if step == "cancel":
            _require(actor, CHANGE)
        else:
            _may_steer(actor, locked)
        target = target_stage(locked.stage, step)
        before = _snapshot(locked)
        if step == "start_do":
            gaps = _plan_gaps(locked)
            if gaps:
                field, message = gaps[0]
                raise DomainError(message, field=field, code="plan_incomplete")
        elif step == "start_check":
            if locked.check_due_on is None:
                raise DomainError(
                    _("Set the date of the effectiveness check first."), field="check_due_on"
                )
        elif step == "start_act":
            if _latest_check(locked) is None:
                raise DomainError(_("Record the effectiveness check first."), code="check_missing")
        elif step == "close":
            latest = _latest_check(locked)
            if latest is None or latest.verdict != Verdict.EFFECTIVE:
                raise DomainError(
                    _(
                        "Only an action whose check found it effective can be closed; plan "
                        "another cycle instead."
                    ),
                    code="not_effective",
                )
            if not note:
                raise DomainError(
                    _("Say how the improvement was standardised."), field="note", code="required"
                )
            locked.outcome = note
            locked.closed_at = timezone.now()
            locked.progress = 100
        elif step == "replan":
            if not note:
                raise DomainError(
                    _("Say why another cycle is needed."), field="note", code="required"
                )
            locked.cycle += 1
            locked.check_due_on = None
        elif step == "cancel":
            if not note:
                raise DomainError(_("Give a reason."), field="note", code="required")
            locked.outcome = note
            locked.closed_at = timezone.now()
        from_stage = locked.stage
        locked.stage = target
        locked.stage_changed_at = timezone.now()
        locked.save()
        _event(
            locked,
            actor,
            EventType.TRANSITION,
            from_stage=from_stage,
            to_stage=target,
            message=note,
        )
        _audit(AuditAction.TRANSITION, locked, actor, before)
        stage_label = Stage(target).label
        recipients = [locked.owner_id, locked.created_by_id]
        _notify_later(
            recipients,
            actor,
            lambda: (
                _("Improvement action %(number)s moved to “%(stage)s”.")
                % {"number": locked.number, "stage": stage_label}
            ),
            locked,
        )
    return _refresh(action, locked)


def add_progress(
    action: ImprovementAction | int, *, actor: Any, note: str, progress: int | None = None
) -> ActionEvent:
    """A progress update from the owner, a team member or a manager, while the measures run."""
    note = str(note or "").strip()
    if not note:
        raise DomainError(_("Write what was done."), field="note", code="required")
    if progress is not None:
        try:
            progress = int(progress)
        except (TypeError, ValueError) as bad:
            raise DomainError(_("Enter a whole number."), field="progress") from bad
        if not 0 <= progress <= 100:
            raise DomainError(_("Progress lies between 0 and 100."), field="progress")
    with transaction.atomic():
        locked = _lock(action, actor)
        is_member = locked.team.filter(pk=getattr(actor, "pk", None)).exists()
        if not (actor.has_perm(CHANGE) or _is_owner(actor, locked) or is_member):
            raise PermissionDenied(_("Only the owner, the team or a manager may report progress."))
        if locked.stage not in {Stage.DO, Stage.CHECK, Stage.ACT}:
            raise DomainError(
                _("Progress is reported once the action is being carried out."),
                code="wrong_stage",
            )
        before = _snapshot(locked)
        if progress is not None:
            locked.progress = progress
            locked.save(update_fields=["progress", "updated_at"])
        event = _event(locked, actor, EventType.PROGRESS, message=note, progress=progress)
        old, new = audit.changes(before, _snapshot(locked))
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before=old,
            after={**new, "progress_note": note},
        )
        _notify_later(
            [locked.owner_id],
            actor,
            lambda: _("Progress on improvement action %(number)s.") % {"number": locked.number},
            locked,
        )
    _refresh(action, locked)
    return event
