"""Every state change of the risk register: raising and re-rating risks, controls, acceptances,
reviews, closing, and opening an improvement action from a risk.

Each function runs in one transaction, checks the actor's permission and scope and the domain's
rules (DomainError 400, ConflictError 409, nothing changed on refusal), computes levels from the
risk's matrix, writes a history line and the audit event, and schedules notifications for after
the commit.
"""

import importlib
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.notify import notify
from sqms.core.numbering import next_number
from sqms.core.scope import unit_in_scope
from sqms.risk.choices import (
    ControlKind,
    ControlStatus,
    Effectiveness,
    HistoryKind,
    LossUnit,
    RiskCategory,
    RiskStatus,
    Treatment,
)
from sqms.risk.matrices import default_matrix
from sqms.risk.models import (
    RATINGS,
    Risk,
    RiskAcceptance,
    RiskControl,
    RiskHistory,
    RiskMatrix,
    RiskReview,
)

ADD_RISK = "risk.add_risk"
CHANGE_RISK = "risk.change_risk"
APPROVE_ACCEPTANCE = "risk.approve_riskacceptance"
NUMBER_PREFIX = "RK"
DEFAULT_REVIEW_DAYS = 90

EDITABLE_FIELDS = (
    "title",
    "category",
    "description",
    "cause",
    "consequence",
    "affected_services",
    "owner",
    "org_unit",
    "treatment",
    "treatment_plan",
    "review_due",
    "annual_probability",
    "loss_low",
    "loss_high",
    "loss_unit",
    *(f"{rating}_{axis}" for rating in RATINGS for axis in ("probability", "impact")),
)
AUDIT_FIELDS = [
    "number",
    "title",
    "category",
    "org_unit",
    "owner",
    "matrix",
    "status",
    "treatment",
    "review_due",
    "annual_probability",
    "loss_low",
    "loss_high",
    "loss_unit",
    *(f"{rating}_{part}" for rating in RATINGS for part in ("probability", "impact", "level")),
]
CONTROL_FIELDS = ("title", "description", "kind", "owner", "due_date", "status", "effectiveness")


# --- helpers ------------------------------------------------------------------------------


def _require(actor: Any, permission: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("You must be logged in."))
    if not actor.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to change the risk register."))


def _lock(risk: Risk | int, actor: Any) -> Risk:
    pk = risk.pk if isinstance(risk, Risk) else risk
    try:
        return (
            Risk.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("org_unit", "matrix", "owner")
            .get(pk=pk)
        )
    except (Risk.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such risk.")) from missing


def _refresh(original: Any, changed: Any) -> None:
    if original is not changed:
        for field in type(changed)._meta.concrete_fields:
            setattr(original, field.attname, getattr(changed, field.attname))
        original._state.fields_cache = dict(changed._state.fields_cache)


def _open(risk: Risk) -> None:
    if risk.status != RiskStatus.OPEN:
        raise ConflictError(_("The risk is closed; reopen it first."), code="closed")


def _text(value: Any, field: str, *, required: bool = False, limit: int | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field, code="required")
    if limit is not None and len(text) > limit:
        raise DomainError(
            _("At most %(limit)d characters.") % {"limit": limit}, field=field, code="too_long"
        )
    return text


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise DomainError(_("Choose a valid option."), field=field, code="invalid_choice")
    return str(value)


def _person(user: Any, field: str, actor: Any) -> Any:
    if user is None:
        raise DomainError(_("This field is required."), field=field, code="required")
    if not user.is_active:
        raise DomainError(_("This user is not active."), field=field)
    if user.pk != actor.pk and not unit_in_scope(actor, user.org_unit):
        raise DomainError(_("Choose someone within your org units."), field=field)
    return user


def _unit(unit: Any, actor: Any, field: str = "org_unit") -> Any:
    if unit is None:
        raise DomainError(_("This field is required."), field=field, code="required")
    if not unit_in_scope(actor, unit):
        raise DomainError(_("Choose one of your org units."), field=field)
    return unit


def _rate(matrix: RiskMatrix, values: dict[str, Any]) -> dict[str, Any]:
    """Check every probability and impact against the matrix and compute the three levels."""
    rated: dict[str, Any] = {}
    for rating in RATINGS:
        for axis, size in (
            ("probability", len(matrix.probability_levels)),
            ("impact", len(matrix.impact_levels)),
        ):
            field = f"{rating}_{axis}"
            try:
                value = int(values[field])
            except (KeyError, TypeError, ValueError):
                raise DomainError(
                    _("Give a level from 1 to %(max)d.") % {"max": size}, field=field
                ) from None
            if not 1 <= value <= size:
                raise DomainError(_("Give a level from 1 to %(max)d.") % {"max": size}, field=field)
            rated[field] = value
        level = matrix.level_for(rated[f"{rating}_probability"], rated[f"{rating}_impact"])
        rated[f"{rating}_level"] = level["code"]
        rated[f"{rating}_rank"] = level["rank"]
    return rated


def _quantitative(values: dict[str, Any]) -> dict[str, Any]:
    """A yearly probability and a 90% loss interval come together or not at all."""
    raw_p, low, high = (
        values.get("annual_probability"),
        values.get("loss_low"),
        values.get("loss_high"),
    )
    given = [v not in (None, "") for v in (raw_p, low, high)]
    if not any(given):
        return {"annual_probability": None, "loss_low": None, "loss_high": None}
    if not all(given):
        missing = [
            name
            for name, present in zip(
                ("annual_probability", "loss_low", "loss_high"), given, strict=True
            )
            if not present
        ]
        raise DomainError(
            _("Give the annual probability and both ends of the loss interval, or none."),
            field=missing[0],
        )
    try:
        probability = Decimal(str(raw_p))
    except InvalidOperation:
        probability = Decimal(-1)
    if not (Decimal(0) < probability <= Decimal(1)) or probability.as_tuple().exponent < -4:  # type: ignore[operator]
        raise DomainError(
            _("The annual probability lies above 0 and at most 1 (four decimals)."),
            field="annual_probability",
        )
    try:
        low_value, high_value = int(low), int(high)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError(_("Give whole numbers."), field="loss_low") from None
    if low_value <= 0:
        raise DomainError(_("The lower end must be above 0."), field="loss_low")
    if high_value <= low_value:
        raise DomainError(_("The upper end must be above the lower end."), field="loss_high")
    return {"annual_probability": probability, "loss_low": low_value, "loss_high": high_value}


def _history(risk: Risk, kind: str, actor: Any, message: str = "") -> RiskHistory:
    return RiskHistory.objects.create(
        risk=risk,
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        message=message[:500],
        status=risk.status,
        inherent_level=risk.inherent_level,
        current_level=risk.current_level,
        residual_level=risk.residual_level,
    )


def _risk_url(risk: Risk) -> str:
    return reverse("risk_detail", args=[risk.pk])


def _clean_fields(values: dict[str, Any], actor: Any) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "title" in values:
        clean["title"] = _text(values["title"], "title", required=True, limit=200)
    if "category" in values:
        clean["category"] = _choice(values["category"], RiskCategory, "category")
    for name in ("description", "cause", "consequence", "treatment_plan"):
        if name in values:
            clean[name] = _text(values[name], name, limit=10_000)
    if "affected_services" in values:
        clean["affected_services"] = _text(
            values["affected_services"], "affected_services", limit=300
        )
    if "treatment" in values:
        clean["treatment"] = _choice(values["treatment"], Treatment, "treatment")
    if "loss_unit" in values:
        clean["loss_unit"] = _choice(values["loss_unit"], LossUnit, "loss_unit")
    if "owner" in values:
        clean["owner"] = _person(values["owner"], "owner", actor)
    if "org_unit" in values:
        clean["org_unit"] = _unit(values["org_unit"], actor)
    if "review_due" in values:
        clean["review_due"] = values["review_due"]
    return clean


# --- risks --------------------------------------------------------------------------------


@transaction.atomic
def raise_risk(
    *,
    actor: Any,
    org_unit: Any,
    title: str,
    category: str,
    owner: Any,
    inherent_probability: int,
    inherent_impact: int,
    current_probability: int | None = None,
    current_impact: int | None = None,
    residual_probability: int | None = None,
    residual_impact: int | None = None,
    matrix: RiskMatrix | None = None,
    affected_units: Any = (),
    **values: Any,
) -> Risk:
    """Enter a risk in the register. Current defaults to inherent, residual to current."""
    _require(actor, ADD_RISK)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown risk fields: {sorted(unknown)}")
    matrix = matrix or default_matrix()
    if matrix is None:
        raise DomainError(_("No risk matrix is defined."), field="matrix")
    clean = _clean_fields(
        {"title": title, "category": category, "owner": owner, "org_unit": org_unit, **values},
        actor,
    )

    def missing(value: Any) -> bool:
        return value is None or value == ""

    if missing(current_probability):
        current_probability = inherent_probability
    if missing(current_impact):
        current_impact = inherent_impact
    if missing(residual_probability):
        residual_probability = current_probability
    if missing(residual_impact):
        residual_impact = current_impact
    rated = _rate(
        matrix,
        {
            "inherent_probability": inherent_probability,
            "inherent_impact": inherent_impact,
            "current_probability": current_probability,
            "current_impact": current_impact,
            "residual_probability": residual_probability,
            "residual_impact": residual_impact,
        },
    )
    quantitative = _quantitative(values)
    units = [_unit(unit, actor, "affected_units") for unit in affected_units or ()]
    clean.setdefault("review_due", None)
    if clean["review_due"] is None:
        clean["review_due"] = timezone.localdate() + timedelta(days=DEFAULT_REVIEW_DAYS)
    risk = Risk.objects.create(
        number=next_number(NUMBER_PREFIX),
        matrix=matrix,
        created_by=actor,
        **clean,
        **rated,
        **quantitative,
    )
    if units:
        risk.affected_units.set(units)
    _history(risk, HistoryKind.RAISED, actor)
    audit.record(AuditAction.CREATE, risk, actor=actor, after=audit.snapshot(risk, AUDIT_FIELDS))
    if risk.owner_id != actor.pk:
        owner_user = risk.owner
        transaction.on_commit(
            lambda: notify(
                [owner_user],
                lambda: (
                    _("You own the new risk %(number)s: %(title)s")
                    % {"number": risk.number, "title": risk.title}
                ),
                url=_risk_url(risk),
                obj=risk,
            )
        )
    return risk


@transaction.atomic
def update_risk(risk: Risk, *, actor: Any, affected_units: Any = None, **values: Any) -> Risk:
    """Change a risk's description, owner, treatment or ratings (levels are recomputed)."""
    _require(actor, CHANGE_RISK)
    locked = _lock(risk, actor)
    _open(locked)
    if "matrix" in values and values.pop("matrix") != locked.matrix:
        raise DomainError(_("A risk's matrix cannot change; re-rate it instead."), field="matrix")
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown risk fields: {sorted(unknown)}")
    before = audit.snapshot(locked, AUDIT_FIELDS)
    clean = _clean_fields(values, actor)
    ratings = {
        f"{r}_{a}": values.get(f"{r}_{a}", getattr(locked, f"{r}_{a}"))
        for r in RATINGS
        for a in ("probability", "impact")
    }
    rated = _rate(locked.matrix, ratings)
    quantitative_keys = ("annual_probability", "loss_low", "loss_high")
    if any(key in values for key in quantitative_keys):
        merged = {key: values.get(key, getattr(locked, key)) for key in quantitative_keys}
        clean.update(_quantitative(merged))
    if clean.get("review_due", locked.review_due) is None:
        clean["review_due"] = locked.review_due
    levels_before = (locked.inherent_level, locked.current_level, locked.residual_level)
    for field, value in {**clean, **rated}.items():
        setattr(locked, field, value)
    locked.save()
    if affected_units is not None:
        locked.affected_units.set([_unit(u, actor, "affected_units") for u in affected_units])
    after = audit.snapshot(locked, AUDIT_FIELDS)
    old, new = audit.changes(before, after)
    rerated = any(key.endswith(("probability", "impact")) for key in new)
    if new or affected_units is not None:
        levels = (locked.inherent_level, locked.current_level, locked.residual_level)
        _history(
            locked,
            HistoryKind.RATED if rerated or levels != levels_before else HistoryKind.UPDATED,
            actor,
        )
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    _refresh(risk, locked)
    return locked


@transaction.atomic
def close_risk(risk: Risk, *, actor: Any, reason: str) -> Risk:
    _require(actor, CHANGE_RISK)
    locked = _lock(risk, actor)
    _open(locked)
    reason = _text(reason, "reason", required=True, limit=500)
    locked.status = RiskStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    _history(locked, HistoryKind.CLOSED, actor, reason)
    audit.record(
        AuditAction.TRANSITION,
        locked,
        actor=actor,
        before={"status": RiskStatus.OPEN},
        after={"status": RiskStatus.CLOSED, "reason": reason},
    )
    _refresh(risk, locked)
    return locked


@transaction.atomic
def reopen_risk(risk: Risk, *, actor: Any, reason: str) -> Risk:
    _require(actor, CHANGE_RISK)
    locked = _lock(risk, actor)
    if locked.status == RiskStatus.OPEN:
        raise ConflictError(_("The risk is open already."), code="open")
    reason = _text(reason, "reason", required=True, limit=500)
    locked.status = RiskStatus.OPEN
    locked.closed_at = None
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    _history(locked, HistoryKind.REOPENED, actor, reason)
    audit.record(
        AuditAction.TRANSITION,
        locked,
        actor=actor,
        before={"status": RiskStatus.CLOSED},
        after={"status": RiskStatus.OPEN, "reason": reason},
    )
    _refresh(risk, locked)
    return locked


# --- controls -----------------------------------------------------------------------------


def _check_control(values: dict[str, Any]) -> None:
    if values["kind"] == ControlKind.PLANNED and values.get("due_date") is None:
        raise DomainError(_("A planned control needs a due date."), field="due_date")
    if (
        values["effectiveness"] != Effectiveness.NOT_ASSESSED
        and values["status"] != ControlStatus.IMPLEMENTED
    ):
        raise DomainError(
            _("Only an implemented control can be assessed for effectiveness."),
            field="effectiveness",
        )


def _clean_control(values: dict[str, Any], actor: Any) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "title" in values:
        clean["title"] = _text(values["title"], "title", required=True, limit=200)
    if "description" in values:
        clean["description"] = _text(values["description"], "description", limit=10_000)
    if "kind" in values:
        clean["kind"] = _choice(values["kind"], ControlKind, "kind")
    if "status" in values:
        clean["status"] = _choice(values["status"], ControlStatus, "status")
    if "effectiveness" in values:
        clean["effectiveness"] = _choice(values["effectiveness"], Effectiveness, "effectiveness")
    if "owner" in values:
        clean["owner"] = _person(values["owner"], "owner", actor)
    if "due_date" in values:
        clean["due_date"] = values["due_date"]
    return clean


@transaction.atomic
def add_control(
    risk: Risk,
    *,
    actor: Any,
    title: str,
    kind: str,
    owner: Any,
    due_date: date | None = None,
    status: str = ControlStatus.PLANNED,
    effectiveness: str = Effectiveness.NOT_ASSESSED,
    description: str = "",
) -> RiskControl:
    _require(actor, CHANGE_RISK)
    locked = _lock(risk, actor)
    _open(locked)
    clean = _clean_control(
        {
            "title": title,
            "kind": kind,
            "owner": owner,
            "due_date": due_date,
            "status": status,
            "effectiveness": effectiveness,
            "description": description,
        },
        actor,
    )
    _check_control(clean)
    control = RiskControl.objects.create(risk=locked, created_by=actor, **clean)
    _history(locked, HistoryKind.CONTROL_ADDED, actor, control.title)
    audit.record(
        AuditAction.CREATE,
        control,
        actor=actor,
        org_unit=locked.org_unit,
        after=audit.snapshot(control),
    )
    if control.owner_id != actor.pk:
        owner_user = control.owner
        transaction.on_commit(
            lambda: notify(
                [owner_user],
                lambda: (
                    _("You own a control of risk %(number)s: %(title)s")
                    % {"number": locked.number, "title": control.title}
                ),
                url=_risk_url(locked),
                obj=locked,
            )
        )
    return control


@transaction.atomic
def update_control(control: RiskControl, *, actor: Any, **values: Any) -> RiskControl:
    _require(actor, CHANGE_RISK)
    locked_risk = _lock(control.risk_id, actor)
    _open(locked_risk)
    unknown = set(values) - set(CONTROL_FIELDS)
    if unknown:
        raise TypeError(f"unknown control fields: {sorted(unknown)}")
    locked = RiskControl.objects.select_for_update().get(pk=control.pk, risk=locked_risk)
    clean = _clean_control(values, actor)
    merged = {field: getattr(locked, field) for field in CONTROL_FIELDS if field != "owner"}
    merged.update(clean)
    _check_control(merged)
    before = audit.snapshot(locked)
    for field, value in clean.items():
        setattr(locked, field, value)
    locked.save()
    old, new = audit.changes(before, audit.snapshot(locked))
    if new:
        _history(locked_risk, HistoryKind.CONTROL_CHANGED, actor, locked.title)
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            org_unit=locked_risk.org_unit,
            before=old,
            after=new,
        )
    _refresh(control, locked)
    return locked


# --- acceptance and review ----------------------------------------------------------------


@transaction.atomic
def record_acceptance(
    risk: Risk,
    *,
    actor: Any,
    approver: Any,
    expires_on: date | None,
    rationale: str,
    accepted_on: date | None = None,
) -> RiskAcceptance:
    """Record who accepted the risk and until when; only for a risk whose treatment is accept."""
    _require(actor, CHANGE_RISK)
    locked = _lock(risk, actor)
    _open(locked)
    if locked.treatment != Treatment.ACCEPT:
        raise ConflictError(
            _("Only a risk whose treatment is “accept” can have an acceptance record."),
            field="treatment",
            code="not_accepted",
        )
    rationale = _text(rationale, "rationale", required=True, limit=5000)
    if approver is None:
        raise DomainError(_("This field is required."), field="approver", code="required")
    if not approver.is_active or not approver.has_perm(APPROVE_ACCEPTANCE):
        raise DomainError(_("This person may not approve risk acceptances."), field="approver")
    if not unit_in_scope(approver, locked.org_unit):
        raise DomainError(
            _("The approver must be responsible for the risk's org unit."), field="approver"
        )
    accepted_on = accepted_on or timezone.localdate()
    if expires_on is None:
        raise DomainError(_("This field is required."), field="expires_on", code="required")
    if expires_on <= accepted_on:
        raise DomainError(_("The acceptance must expire after it is given."), field="expires_on")
    acceptance = RiskAcceptance.objects.create(
        risk=locked,
        approver=approver,
        accepted_on=accepted_on,
        expires_on=expires_on,
        rationale=rationale,
        created_by=actor,
    )
    _history(
        locked,
        HistoryKind.ACCEPTED,
        actor,
        _("Accepted by %(approver)s until %(date)s")
        % {"approver": approver.get_full_name() or approver.username, "date": expires_on},
    )
    audit.record(
        AuditAction.CREATE,
        acceptance,
        actor=actor,
        org_unit=locked.org_unit,
        after=audit.snapshot(acceptance),
    )
    return acceptance


@transaction.atomic
def record_review(
    risk: Risk,
    *,
    actor: Any,
    notes: str,
    next_review_due: date | None,
    reviewed_on: date | None = None,
    **ratings: Any,
) -> RiskReview:
    """A periodic review: notes, optionally new current and residual ratings, the next date."""
    _require(actor, CHANGE_RISK)
    locked = _lock(risk, actor)
    _open(locked)
    allowed = {f"{r}_{a}" for r in ("current", "residual") for a in ("probability", "impact")}
    unknown = set(ratings) - allowed
    if unknown:
        raise TypeError(f"unknown review fields: {sorted(unknown)}")
    notes = _text(notes, "notes", required=True, limit=10_000)
    reviewed_on = reviewed_on or timezone.localdate()
    if next_review_due is None:
        raise DomainError(_("This field is required."), field="next_review_due", code="required")
    if next_review_due <= reviewed_on:
        raise DomainError(_("The next review must come after this one."), field="next_review_due")
    before = audit.snapshot(locked, AUDIT_FIELDS)
    new_ratings = {
        f"{r}_{a}": ratings[f"{r}_{a}"]
        if ratings.get(f"{r}_{a}") not in (None, "")
        else getattr(locked, f"{r}_{a}")
        for r in RATINGS
        for a in ("probability", "impact")
    }
    for field, value in _rate(locked.matrix, new_ratings).items():
        setattr(locked, field, value)
    locked.review_due = next_review_due
    locked.save()
    review = RiskReview.objects.create(
        risk=locked,
        reviewer=actor,
        reviewed_on=reviewed_on,
        notes=notes,
        current_level=locked.current_level,
        residual_level=locked.residual_level,
        next_review_due=next_review_due,
        created_by=actor,
    )
    _history(locked, HistoryKind.REVIEWED, actor, notes)
    old, new = audit.changes(before, audit.snapshot(locked, AUDIT_FIELDS))
    audit.record(
        AuditAction.UPDATE,
        locked,
        actor=actor,
        before=old,
        after={**new, "review": review.pk, "reviewed_on": str(reviewed_on)},
    )
    _refresh(risk, locked)
    return review


# --- improvement actions ------------------------------------------------------------------


def improvement_available() -> bool:
    try:
        module = importlib.import_module("sqms.improvement.services")
    except ImportError:
        return False
    return hasattr(module, "open_action")


@transaction.atomic
def open_improvement_action(risk: Risk, *, actor: Any) -> Any:
    """Open an improvement action whose source is this risk (the improvement app's service
    checks the actor's permission to open actions)."""
    _require(actor, CHANGE_RISK)
    locked = _lock(risk, actor)
    _open(locked)
    if not improvement_available():
        raise DomainError(_("Improvement actions are not available."), code="unavailable")
    module = importlib.import_module("sqms.improvement.services")
    problem = "\n\n".join(
        part for part in (locked.description, locked.cause, locked.consequence) if part
    )
    action = module.open_action(
        actor=actor,
        source="risk",
        source_object=locked,
        title=_("Reduce risk %(number)s: %(title)s")
        % {"number": locked.number, "title": locked.title},
        problem=problem,
        org_unit=locked.org_unit,
        owner=locked.owner,
    )
    _history(locked, HistoryKind.ACTION_OPENED, actor, str(action))
    return action
