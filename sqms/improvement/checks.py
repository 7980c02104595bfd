"""The effectiveness check of an improvement action: the period it measures, what the system
reads from the goal's indicator and proposes, and recording the checker's verdict."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.improvement.choices import Direction, EventType, Stage, Verdict
from sqms.improvement.indicators import indicator_value
from sqms.improvement.models import EffectivenessCheck, ImprovementAction
from sqms.improvement.services import _date, _decimal, _event, _lock, _may_steer, _refresh

# A check without an explicit period looks back this far from its date.
DEFAULT_CHECK_DAYS = 30


def check_period(action: ImprovementAction, on: date | None = None) -> tuple[date, date]:
    """The period a check on `on` (default: today) measures: from when the measures started
    (the action entered "do") or DEFAULT_CHECK_DAYS before, whichever is later, to the day
    before the check."""
    on = on or timezone.localdate()
    end = on - timedelta(days=1)
    start = end - timedelta(days=DEFAULT_CHECK_DAYS - 1)
    started = (
        action.events.filter(event_type=EventType.TRANSITION, to_stage=Stage.DO)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if started is not None:
        start = max(start, timezone.localdate(started))
    return min(start, end), end


def verdict_for(value: Decimal | None, target: Decimal | None, direction: str) -> str:
    """Pass (effective) when the measured value reaches the target in the good direction."""
    if value is None or target is None:
        return ""
    if direction == Direction.LOWER:
        return Verdict.EFFECTIVE if value <= target else Verdict.NOT_EFFECTIVE
    return Verdict.EFFECTIVE if value >= target else Verdict.NOT_EFFECTIVE


def propose_check(
    action: ImprovementAction, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """What the system reads for an indicator-linked goal: value, period and proposed verdict."""
    default_start, default_end = check_period(action)
    start = start or default_start
    end = end or default_end
    value = None
    if action.indicator_code:
        value = indicator_value(action.indicator_code, action.org_unit, start, end)
    return {
        "period_start": start,
        "period_end": end,
        "measured_value": value,
        "proposed_verdict": verdict_for(value, action.target_value, action.target_direction),
    }


def record_check(
    action: ImprovementAction | int,
    *,
    actor: Any,
    verdict: str = "",
    note: str = "",
    measured_value: Any = None,
    period_start: Any = None,
    period_end: Any = None,
) -> EffectivenessCheck:
    """Record the effectiveness check of the current cycle (stage check, on or after the set
    date). For an indicator-linked goal the indicator is read and a verdict proposed; the
    checker may accept it (verdict left empty) or overrule it with a reason."""
    note = str(note or "").strip()
    period_start = _date(period_start, "period_start")
    period_end = _date(period_end, "period_end")
    if period_start and period_end and period_start > period_end:
        raise DomainError(_("The period ends before it starts."), field="period_end")
    if period_end and period_end > timezone.localdate():
        raise DomainError(_("The period cannot end in the future."), field="period_end")
    typed_value = _decimal(measured_value, "measured_value")
    if verdict and verdict not in Verdict.values:
        raise DomainError(_("Select a valid choice."), field="verdict", code="invalid_choice")
    with transaction.atomic():
        locked = _lock(action, actor)
        _may_steer(actor, locked)
        if locked.stage != Stage.CHECK:
            raise DomainError(
                _("The effectiveness check is recorded in the check stage."), code="wrong_stage"
            )
        today = timezone.localdate()
        if locked.check_due_on is None or today < locked.check_due_on:
            raise DomainError(
                _("The effectiveness check is due on %(date)s, not before.")
                % {"date": locked.check_due_on},
                code="too_early",
            )
        proposal = propose_check(locked, period_start, period_end)
        value = proposal["measured_value"] if locked.indicator_code else typed_value
        if locked.indicator_code and value is None:
            value = typed_value
            proposal["proposed_verdict"] = verdict_for(
                value, locked.target_value, locked.target_direction
            )
        proposed = proposal["proposed_verdict"]
        final = verdict or proposed
        if not final:
            raise DomainError(_("Say whether the action was effective."), field="verdict")
        if proposed and final != proposed and not note:
            raise DomainError(
                _("Explain why you overrule the proposed verdict."), field="note", code="required"
            )
        check = EffectivenessCheck.objects.create(
            action=locked,
            cycle=locked.cycle,
            checked_by=actor,
            period_start=proposal["period_start"],
            period_end=proposal["period_end"],
            measured_value=value,
            proposed_verdict=proposed,
            verdict=final,
            note=note,
        )
        label = Verdict(final).label
        message = str(label) if value is None else f"{label}: {value}"
        if note:
            message = f"{message} — {note}"
        _event(locked, actor, EventType.CHECK, message=message)
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            after={
                "check": check.pk,
                "measured_value": value,
                "proposed_verdict": proposed,
                "verdict": final,
            },
        )
    _refresh(action, locked)
    return check
