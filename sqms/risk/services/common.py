"""What the risk services share: permissions, locking, input cleaning, rating, history."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.errors import ConflictError, DomainError
from sqms.core.scope import unit_in_scope
from sqms.core.service_helpers import copy_saved_state, lock_in_scope, require_permission
from sqms.risk.choices import (
    LossUnit,
    RiskCategory,
    RiskStatus,
    Treatment,
)
from sqms.risk.models import (
    RATINGS,
    Risk,
    RiskHistory,
    RiskMatrix,
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
    require_permission(actor, [permission], _("You are not allowed to change the risk register."))


def _lock(risk: Risk | int, actor: Any) -> Risk:
    return lock_in_scope(
        Risk, risk, actor, related=("org_unit", "matrix", "owner"), missing=_("No such risk.")
    )


_refresh = copy_saved_state


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
