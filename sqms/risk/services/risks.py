"""Raising, re-rating, closing and reopening risks, and an improvement action from a risk."""

import importlib
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.notify import notify
from sqms.core.numbering import next_number
from sqms.risk.choices import (
    HistoryKind,
    RiskStatus,
)
from sqms.risk.matrices import default_matrix
from sqms.risk.models import (
    RATINGS,
    Risk,
    RiskMatrix,
)
from sqms.risk.services.common import (
    ADD_RISK,
    AUDIT_FIELDS,
    CHANGE_RISK,
    DEFAULT_REVIEW_DAYS,
    EDITABLE_FIELDS,
    NUMBER_PREFIX,
    _clean_fields,
    _history,
    _lock,
    _open,
    _quantitative,
    _rate,
    _refresh,
    _require,
    _risk_url,
    _text,
    _unit,
)

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
