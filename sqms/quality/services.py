"""State changes of the quality app: targets, alerts, reports; plus the public read helpers
other apps use (`indicator_value`, `indicator_choices`)."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.audit import record
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit
from sqms.core.notify import notify
from sqms.core.scope import unit_in_scope
from sqms.quality.choices import AlertStatus, Band, Direction
from sqms.quality.indicators import IndicatorValue, SliceFilter, grouped_measures, values_for
from sqms.quality.models import Alert, EvaluationReport, Indicator, Target
from sqms.quality.periods import Period

# --- targets --------------------------------------------------------------------------------


def ancestor_paths(unit: OrgUnit) -> list[str]:
    step = OrgUnit.steplen
    return [unit.path[: step * i] for i in range(1, len(unit.path) // step + 1)]


def targets_in_force(unit: OrgUnit | None, day: datetime.date) -> dict[int, Target]:
    """indicator id → the Target in force for `unit` on `day` (nearest unit up the tree,
    then the newest version valid by then); one query."""
    return targets_in_force_many([unit], day)[unit.pk if unit is not None else None]


def targets_in_force_many(
    units: list[OrgUnit | None], day: datetime.date
) -> dict[int | None, dict[int, Target]]:
    """targets_in_force for several units with one query (unit pk → indicator id → Target)."""
    paths: set[str] = set()
    for unit in units:
        if unit is not None:
            paths.update(ancestor_paths(unit))
    where = Q(org_unit__isnull=True)
    if paths:
        where |= Q(org_unit__path__in=sorted(paths))
    candidates = list(Target.objects.filter(where, valid_from__lte=day).select_related("org_unit"))
    result: dict[int | None, dict[int, Target]] = {}
    for unit in units:
        best: dict[int, tuple[tuple[int, datetime.date, int], Target]] = {}
        for target in candidates:
            if target.org_unit is not None and (
                unit is None or not unit.path.startswith(target.org_unit.path)
            ):
                continue
            depth = len(target.org_unit.path) if target.org_unit is not None else 0
            rank = (depth, target.valid_from, target.pk)
            current = best.get(target.indicator_id)
            if current is None or rank > current[0]:
                best[target.indicator_id] = (rank, target)
        result[unit.pk if unit is not None else None] = {k: pair[1] for k, pair in best.items()}
    return result


def band_of(indicator: Indicator, value: float | None, target: Target | None) -> str:
    if value is None:
        return Band.NO_DATA
    if target is None:
        return Band.NO_TARGET
    goal, alarm = float(target.target), float(target.alarm)
    if indicator.direction == Direction.HIGHER:
        green = value > goal if target.strict else value >= goal
        return Band.GREEN if green else (Band.WARNING if value >= alarm else Band.ALARM)
    green = value < goal if target.strict else value <= goal
    return Band.GREEN if green else (Band.WARNING if value <= alarm else Band.ALARM)


def apply_targets(
    values: dict[str, IndicatorValue], indicators: dict[str, Indicator], targets: dict[int, Target]
) -> dict[str, IndicatorValue]:
    for code, value in values.items():
        indicator = indicators.get(code)
        if indicator is None:
            continue
        value.target = targets.get(indicator.pk)
        value.band = band_of(indicator, value.value, value.target)
    return values


def set_target(
    *,
    actor: Any,
    indicator: Indicator,
    org_unit: OrgUnit | None,
    valid_from: datetime.date,
    target: Decimal,
    alarm: Decimal,
    reason: str,
    strict: bool = False,
) -> Target:
    """Add a target version; earlier versions stay, so past periods keep their targets."""
    if not reason.strip():
        raise DomainError(_("Say why the target changes."), field="reason")
    if org_unit is None and not actor.has_perm("core.view_all_units"):
        raise DomainError(
            _("Only those who see every unit may set the organisation-wide default."),
            field="org_unit",
        )
    if org_unit is not None and not unit_in_scope(actor, org_unit):
        raise DomainError(_("This unit is outside your scope."), field="org_unit")
    if indicator.direction == Direction.HIGHER and alarm > target:
        raise DomainError(
            _("Higher is better here: the alarm threshold must not be above the target."),
            field="alarm",
        )
    if indicator.direction == Direction.LOWER and alarm < target:
        raise DomainError(
            _("Lower is better here: the alarm threshold must not be below the target."),
            field="alarm",
        )
    with transaction.atomic():
        version = Target.objects.create(
            indicator=indicator,
            org_unit=org_unit,
            valid_from=valid_from,
            target=target,
            alarm=alarm,
            strict=strict,
            reason=reason.strip(),
            created_by=actor,
        )
        record(
            AuditAction.CREATE,
            version,
            actor=actor,
            after={
                "indicator": indicator.code,
                "org_unit": org_unit.code if org_unit else None,
                "valid_from": valid_from.isoformat(),
                "target": str(target),
                "alarm": str(alarm),
                "strict": strict,
                "reason": version.reason,
            },
            org_unit=org_unit,
        )
    return version


# --- alerts ---------------------------------------------------------------------------------


def _locked_alert(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def acknowledge_alert(alert: Alert, *, actor: Any) -> Alert:
    with transaction.atomic():
        locked = _locked_alert(alert)
        if locked.status != AlertStatus.OPEN:
            raise ConflictError(_("Only an open alert can be acknowledged."), field="status")
        locked.status = AlertStatus.ACKNOWLEDGED
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = actor
        locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
        record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before={"status": AlertStatus.OPEN},
            after={"status": locked.status},
        )
    return locked


def close_alert(alert: Alert, *, actor: Any, note: str) -> Alert:
    if not note.strip():
        raise DomainError(_("Write a note on how the alert was handled."), field="note")
    with transaction.atomic():
        locked = _locked_alert(alert)
        if locked.status == AlertStatus.CLOSED:
            raise ConflictError(_("The alert is already closed."), field="status")
        before = locked.status
        locked.status = AlertStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.close_note = note.strip()
        locked.save(update_fields=["status", "closed_at", "closed_by", "close_note", "updated_at"])
        record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before={"status": before},
            after={"status": locked.status, "close_note": locked.close_note},
        )
        owner = locked.owner
        if owner.pk != actor.pk:
            transaction.on_commit(
                lambda: notify(
                    [owner],
                    lambda: _("Alert closed: %(message)s") % {"message": locked.message},
                    obj=locked,
                    url=f"/quality/alerts/{locked.pk}/",
                )
            )
    return locked


def link_improvement_action(alert: Alert, action: Any, *, actor: Any) -> Alert:
    """Record the improvement action that answers the alert (None unlinks)."""
    if action is not None and not unit_in_scope(actor, action.org_unit):
        raise DomainError(
            _("This improvement action is outside your scope."), field="improvement_action"
        )
    with transaction.atomic():
        locked = _locked_alert(alert)
        before = locked.improvement_action_id
        locked.improvement_action = action
        locked.save(update_fields=["improvement_action", "updated_at"])
        record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before={"improvement_action": before},
            after={"improvement_action": action.pk if action else None},
        )
    return locked


# --- reports --------------------------------------------------------------------------------


def request_report(
    *, actor: Any, org_unit: OrgUnit, year: int, quarter: int, language: str
) -> EvaluationReport:
    """Queue the quarterly evaluation of a unit; the task builds the PDF and Excel files."""
    if not unit_in_scope(actor, org_unit):
        raise DomainError(_("This unit is outside your scope."), field="org_unit")
    if quarter not in (1, 2, 3, 4):
        raise DomainError(_("A quarter is 1, 2, 3 or 4."), field="quarter")
    if not 2000 <= year <= timezone.localdate().year:
        raise DomainError(_("Choose a year up to the current one."), field="year")
    with transaction.atomic():
        report = EvaluationReport.objects.create(
            org_unit=org_unit,
            year=year,
            quarter=quarter,
            language=language,
            created_by=actor,
        )
        record(AuditAction.CREATE, report, actor=actor, after={"year": year, "quarter": quarter})
        from sqms.quality.tasks import build_evaluation_report

        transaction.on_commit(lambda: build_evaluation_report.enqueue(report.pk))
    return report


# --- read helpers for other apps ------------------------------------------------------------


def indicator_choices() -> list[tuple[str, str]]:
    return [(i.code, i.display_name) for i in Indicator.objects.filter(is_active=True)]


def indicator_value(
    code: str, org_unit: OrgUnit | None, start: datetime.date, end: datetime.date
) -> Decimal | None:
    """One indicator of a unit's subtree over start..end (inclusive), from the rollups."""
    from sqms.quality.catalogue import BY_CODE

    if code not in BY_CODE:
        return None
    measures = grouped_measures(Period(start, end), SliceFilter(unit=org_unit))[None]
    value = values_for(measures, [code])[code].value
    return None if value is None else Decimal(str(round(value, 2)))
