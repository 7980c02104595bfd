"""Plan services: create plans, draft and approve versions, critical services."""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_in_scope
from sqms.emergency.choices import DependencyKind, IncidentLevel, NoticeAudience, Phase, PlanStatus
from sqms.emergency.models import CriticalService, EmergencyPlan, PlanVersion
from sqms.emergency.services.common import (
    ADD_PLAN,
    ADD_SERVICE,
    APPROVE_PLAN,
    CHANGE_PLAN,
    CHANGE_SERVICE,
    ancestor_paths,
    require,
    required_text,
)

PLAN_FIELDS = ["code", "title", "event_type", "org_unit", "owner", "review_interval_months"]
CONTENT_FIELDS = ["summary", "grading", "roles", "steps", "resources", "templates", "revision_note"]
VERSION_FIELDS = ["plan", "number", "status", "effective_on", "next_review_on", *CONTENT_FIELDS]
SERVICE_FIELDS = [
    "code",
    "name",
    "description",
    "mtpd_minutes",
    "rto_minutes",
    "dependencies",
    "org_unit",
]


# --- validation of the structured content --------------------------------------------------


def _rows(value: Any, field: str) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise DomainError(_("Give a list of entries."), field=field)
    return value


def _text(row: dict[str, Any], key: str, field: str, index: int, limit: int = 500) -> str:
    text = str(row.get(key) or "").strip()
    if not text:
        raise DomainError(
            _("Entry %(n)d: “%(key)s” is missing.") % {"n": index + 1, "key": key}, field=field
        )
    return text[:limit]


def _int(row: dict[str, Any], key: str, field: str, index: int, low: int, high: int) -> int:
    try:
        number = int(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        raise DomainError(
            _("Entry %(n)d: “%(key)s” must be a whole number from %(low)d to %(high)d.")
            % {"n": index + 1, "key": key, "low": low, "high": high},
            field=field,
        )
    return number


def clean_grading(value: Any) -> list[dict[str, Any]]:
    rows = []
    seen = set()
    for i, row in enumerate(_rows(value, "grading")):
        level = _int(row, "level", "grading", i, 1, 4)
        if level in seen:
            raise DomainError(_("Each level may be graded once."), field="grading")
        seen.add(level)
        rows.append(
            {
                "level": level,
                "criteria": _text(row, "criteria", "grading", i),
                "examples": str(row.get("examples") or "").strip()[:500],
            }
        )
    return sorted(rows, key=lambda r: r["level"])


def clean_roles(value: Any) -> list[dict[str, Any]]:
    rows = []
    codes = set()
    for i, row in enumerate(_rows(value, "roles")):
        code = _text(row, "code", "roles", i, 40)
        if code in codes:
            raise DomainError(_("Role codes must be unique."), field="roles")
        codes.add(code)
        rows.append(
            {
                "code": code,
                "name": _text(row, "name", "roles", i, 100),
                "position": str(row.get("position") or "").strip()[:200],
                "role": str(row.get("role") or "").strip()[:40],
            }
        )
    return rows


def clean_steps(value: Any, roles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    codes = {role["code"] for role in roles}
    phases = set(Phase.values)
    rows = []
    for i, row in enumerate(_rows(value, "steps")):
        phase = str(row.get("phase") or "")
        if phase not in phases:
            raise DomainError(
                _("Entry %(n)d: unknown phase “%(phase)s”.") % {"n": i + 1, "phase": phase},
                field="steps",
            )
        levels = row.get("levels") or [1, 2, 3, 4]
        if not isinstance(levels, list) or not all(
            isinstance(v, int) and 1 <= v <= 4 for v in levels
        ):
            raise DomainError(
                _("Entry %(n)d: levels must be a list of 1 to 4.") % {"n": i + 1}, field="steps"
            )
        role = str(row.get("role") or "")
        if role and role not in codes:
            raise DomainError(
                _("Entry %(n)d: the role “%(role)s” is not one of the plan's roles.")
                % {"n": i + 1, "role": role},
                field="steps",
            )
        rows.append(
            {
                "phase": phase,
                "levels": sorted(set(levels)),
                "title": _text(row, "title", "steps", i, 300),
                "role": role,
                "target_minutes": _int(row, "target_minutes", "steps", i, 1, 60 * 24 * 30),
            }
        )
    return rows


def clean_resources(value: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": str(row.get("kind") or "").strip()[:40],
            "name": _text(row, "name", "resources", i, 200),
            "detail": str(row.get("detail") or "").strip()[:500],
        }
        for i, row in enumerate(_rows(value, "resources"))
    ]


def clean_templates(value: Any) -> list[dict[str, Any]]:
    rows = []
    for i, row in enumerate(_rows(value, "templates")):
        audience = str(row.get("audience") or "")
        if audience not in NoticeAudience.values:
            raise DomainError(
                _("Entry %(n)d: the audience must be staff or public.") % {"n": i + 1},
                field="templates",
            )
        rows.append(
            {
                "audience": audience,
                "title": _text(row, "title", "templates", i, 200),
                "body": _text(row, "body", "templates", i, 2000),
            }
        )
    return rows


def clean_content(values: dict[str, Any]) -> dict[str, Any]:
    roles = clean_roles(values.get("roles"))
    return {
        "summary": str(values.get("summary") or "").strip(),
        "grading": clean_grading(values.get("grading")),
        "roles": roles,
        "steps": clean_steps(values.get("steps"), roles),
        "resources": clean_resources(values.get("resources")),
        "templates": clean_templates(values.get("templates")),
        "revision_note": str(values.get("revision_note") or "").strip(),
    }


def clean_dependencies(value: Any) -> list[dict[str, Any]]:
    rows = []
    for i, row in enumerate(_rows(value, "dependencies")):
        kind = str(row.get("kind") or "")
        if kind not in DependencyKind.values:
            raise DomainError(
                _("Entry %(n)d: the kind must be system, site or supplier.") % {"n": i + 1},
                field="dependencies",
            )
        rows.append({"kind": kind, "name": _text(row, "name", "dependencies", i, 200)})
    return rows


# --- plans ---------------------------------------------------------------------------------


def _check_unit(actor: Any, unit: OrgUnit | None) -> OrgUnit:
    if unit is None:
        raise DomainError(_("Choose an org unit."), field="org_unit")
    if not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")
    return unit


def create_plan(
    *,
    actor: Any,
    code: str,
    title: str,
    event_type: str,
    org_unit: OrgUnit | None,
    owner: Any = None,
    review_interval_months: int = 12,
    **content: Any,
) -> EmergencyPlan:
    """A new plan with its first draft version (content validated like every version)."""
    require(actor, ADD_PLAN)
    code = required_text(code, "code", _("Give the plan a code."))
    title = required_text(title, "title", _("Give the plan a title."))
    unit = _check_unit(actor, org_unit)
    cleaned = clean_content(content)
    if EmergencyPlan.objects.filter(code=code).exists():
        raise DomainError(_("A plan with this code exists."), field="code")
    with transaction.atomic():
        plan = EmergencyPlan.objects.create(
            code=code,
            title=title,
            event_type=event_type,
            org_unit=unit,
            owner=owner,
            review_interval_months=review_interval_months,
            created_by=actor,
        )
        version = PlanVersion.objects.create(plan=plan, number=1, created_by=actor, **cleaned)
        audit.record(AuditAction.CREATE, plan, actor=actor, after=audit.snapshot(plan, PLAN_FIELDS))
        audit.record(
            AuditAction.CREATE,
            version,
            actor=actor,
            org_unit=unit,
            after=audit.snapshot(version, VERSION_FIELDS),
        )
    return plan


def _own_plan(actor: Any, plan: EmergencyPlan) -> None:
    """A plan applies to the units below its own, but only its unit's people may change it."""
    if not unit_in_scope(actor, plan.org_unit):
        raise PermissionDenied(_("This plan belongs to a unit above yours; its owners change it."))


def update_plan(plan: EmergencyPlan, *, actor: Any, **values: Any) -> EmergencyPlan:
    require(actor, CHANGE_PLAN)
    _own_plan(actor, plan)
    with transaction.atomic():
        locked = EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
        before = audit.snapshot(locked, PLAN_FIELDS)
        for key in ("title", "event_type", "owner", "review_interval_months", "code"):
            if key in values:
                setattr(locked, key, values[key])
        if "org_unit" in values:
            locked.org_unit = _check_unit(actor, values["org_unit"])
        locked.title = required_text(locked.title, "title", _("Give the plan a title."))
        locked.code = required_text(locked.code, "code", _("Give the plan a code."))
        if EmergencyPlan.objects.filter(code=locked.code).exclude(pk=locked.pk).exists():
            raise DomainError(_("A plan with this code exists."), field="code")
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, PLAN_FIELDS))
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return locked


def delete_plan(plan: EmergencyPlan, *, actor: Any) -> None:
    require(actor, "emergency.delete_emergencyplan")
    _own_plan(actor, plan)
    if plan.versions.exclude(status=PlanStatus.DRAFT).exists() or plan.drills.exists():
        raise ConflictError(
            _("An approved plan is a record and cannot be deleted."), code="plan_in_use"
        )
    with transaction.atomic():
        audit.record(
            AuditAction.DELETE, plan, actor=actor, before=audit.snapshot(plan, PLAN_FIELDS)
        )
        plan.delete()


def current_version(plan: EmergencyPlan, today: date | None = None) -> PlanVersion | None:
    """The approved version in force: the newest approved one already effective."""
    today = today or timezone.localdate()
    return (
        plan.versions.filter(status=PlanStatus.APPROVED, effective_on__lte=today)
        .order_by("-number")
        .first()
    )


def plan_for(event_type: str, unit: OrgUnit) -> EmergencyPlan | None:
    """The plan for an event type that applies to `unit`: the nearest one at or above it."""
    return (
        EmergencyPlan.objects.filter(event_type=event_type, org_unit__path__in=ancestor_paths(unit))
        .select_related("org_unit")
        .order_by("-org_unit__depth", "pk")
        .first()
    )


def draft_of(plan: EmergencyPlan) -> PlanVersion | None:
    return plan.versions.filter(status=PlanStatus.DRAFT).order_by("-number").first()


def new_draft(
    plan: EmergencyPlan,
    *,
    actor: Any,
    revision_note: str = "",
    source_review: Any = None,
    check_permission: bool = True,
) -> PlanVersion:
    """A new draft copied from the newest version (or the existing draft, noted)."""
    if check_permission:
        require(actor, CHANGE_PLAN)
        _own_plan(actor, plan)
    with transaction.atomic():
        EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
        existing = draft_of(plan)
        if existing is not None:
            if revision_note:
                existing.revision_note = "\n".join(
                    filter(None, [existing.revision_note, revision_note])
                )
                if source_review is not None and existing.source_review_id is None:
                    existing.source_review = source_review
                existing.save(update_fields=["revision_note", "source_review", "updated_at"])
            return existing
        latest = plan.versions.order_by("-number").first()
        number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        content = {key: getattr(latest, key) for key in CONTENT_FIELDS} if latest else {}
        content["revision_note"] = revision_note
        version = PlanVersion.objects.create(
            plan=plan,
            number=number,
            created_by=actor if actor.is_authenticated else None,
            source_review=source_review,
            **content,
        )
        audit.record(
            AuditAction.CREATE,
            version,
            actor=actor,
            org_unit=plan.org_unit,
            after=audit.snapshot(version, VERSION_FIELDS),
        )
    return version


def update_version(version: PlanVersion, *, actor: Any, **values: Any) -> PlanVersion:
    """Change a draft's content; approved versions are frozen."""
    require(actor, CHANGE_PLAN)
    _own_plan(actor, version.plan)
    with transaction.atomic():
        locked = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
        if locked.is_frozen:
            raise ConflictError(
                _("Version %(n)d is approved and frozen; open a new draft to change the plan.")
                % {"n": locked.number},
                code="frozen",
            )
        before = audit.snapshot(locked, VERSION_FIELDS)
        merged = {key: values.get(key, getattr(locked, key)) for key in CONTENT_FIELDS}
        for key, value in clean_content(merged).items():
            setattr(locked, key, value)
        for key in ("effective_on", "next_review_on"):
            if key in values:
                setattr(locked, key, values[key])
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, VERSION_FIELDS))
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            org_unit=locked.plan.org_unit,
            before=old,
            after=new,
        )
    return locked


def approve_version(
    version: PlanVersion,
    *,
    actor: Any,
    effective_on: date | None = None,
    next_review_on: date | None = None,
) -> PlanVersion:
    """Approve a draft: it becomes frozen, takes effect on its date, and supersedes the
    version in force once effective."""
    require(actor, APPROVE_PLAN)
    _own_plan(actor, version.plan)
    today = timezone.localdate()
    with transaction.atomic():
        locked = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
        if locked.status != PlanStatus.DRAFT:
            raise ConflictError(_("Only a draft can be approved."), code="not_draft")
        effective = effective_on or locked.effective_on or today
        months = locked.plan.review_interval_months or 12
        review = next_review_on or locked.next_review_on or effective + timedelta(days=30 * months)
        if review <= effective:
            raise DomainError(
                _("The next review must come after the effective date."), field="next_review_on"
            )
        if not locked.grading or not locked.steps or not locked.roles:
            raise DomainError(
                _("A plan needs grading criteria, roles and steps before approval."),
                field="steps",
            )
        before = audit.snapshot(locked, VERSION_FIELDS)
        locked.status = PlanStatus.APPROVED
        locked.effective_on = effective
        locked.next_review_on = review
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save()
        if effective <= today:
            supersede_older(locked)
        locked.plan.review_reminded_on = None
        locked.plan.save(update_fields=["review_reminded_on", "updated_at"])
        audit.record(
            AuditAction.TRANSITION,
            locked,
            actor=actor,
            org_unit=locked.plan.org_unit,
            before=before,
            after=audit.snapshot(locked, VERSION_FIELDS),
        )
    return locked


def supersede_older(version: PlanVersion) -> int:
    return PlanVersion.objects.filter(
        plan_id=version.plan_id, status=PlanStatus.APPROVED, number__lt=version.number
    ).update(status=PlanStatus.SUPERSEDED, updated_at=timezone.now())


# --- critical services -----------------------------------------------------------------------


def save_critical_service(
    service: CriticalService | None,
    *,
    actor: Any,
    plans: list[EmergencyPlan] | None = None,
    **values: Any,
) -> CriticalService:
    require(actor, CHANGE_SERVICE if service else ADD_SERVICE)
    with transaction.atomic():
        obj = service or CriticalService(created_by=actor)
        before = audit.snapshot(obj, SERVICE_FIELDS) if service else {}
        for key in ("code", "name", "description", "mtpd_minutes", "rto_minutes"):
            if key in values:
                setattr(obj, key, values[key])
        if "org_unit" in values or service is None:
            obj.org_unit = _check_unit(actor, values.get("org_unit"))
        if "dependencies" in values:
            obj.dependencies = clean_dependencies(values["dependencies"])
        obj.code = required_text(obj.code, "code", _("Give the service a code."))
        obj.name = required_text(obj.name, "name", _("Name the service."))
        if obj.rto_minutes is None or obj.mtpd_minutes is None:
            raise DomainError(_("Give the recovery time objective."), field="rto_minutes")
        if obj.rto_minutes > obj.mtpd_minutes:
            raise DomainError(
                _("The recovery time objective cannot exceed the maximum tolerable outage."),
                field="rto_minutes",
            )
        if CriticalService.objects.filter(code=obj.code).exclude(pk=obj.pk).exists():
            raise DomainError(_("A service with this code exists."), field="code")
        obj.save()
        if plans is not None:
            obj.plans.set(plans)
        after = audit.snapshot(obj, SERVICE_FIELDS)
        if service is None:
            audit.record(AuditAction.CREATE, obj, actor=actor, after=after)
        else:
            old, new = audit.changes(before, after)
            audit.record(AuditAction.UPDATE, obj, actor=actor, before=old, after=new)
    return obj


def delete_critical_service(service: CriticalService, *, actor: Any) -> None:
    require(actor, "emergency.delete_criticalservice")
    with transaction.atomic():
        audit.record(
            AuditAction.DELETE, service, actor=actor, before=audit.snapshot(service, SERVICE_FIELDS)
        )
        service.delete()


LEVEL_LABELS = dict(IncidentLevel.choices)
