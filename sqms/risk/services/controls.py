"""Controls on a risk, acceptance records and periodic reviews."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.notify import notify
from sqms.core.scope import unit_in_scope
from sqms.risk.choices import (
    ControlKind,
    ControlStatus,
    Effectiveness,
    HistoryKind,
    Treatment,
)
from sqms.risk.models import (
    RATINGS,
    Risk,
    RiskAcceptance,
    RiskControl,
    RiskReview,
)
from sqms.risk.services.common import (
    APPROVE_ACCEPTANCE,
    AUDIT_FIELDS,
    CHANGE_RISK,
    CONTROL_FIELDS,
    _choice,
    _history,
    _lock,
    _open,
    _person,
    _rate,
    _refresh,
    _require,
    _risk_url,
    _text,
)

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
