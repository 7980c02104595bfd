"""Follow-ups of low scores (客户回访): opened for the unit manager with a due time in
business days, done with an outcome, and turned into an improvement action when needed."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.notify import notify
from sqms.core.service_helpers import require_permission
from sqms.surveys.choices import FollowUpStatus
from sqms.surveys.models import FollowUp, SurveyResponse
from sqms.surveys.sanitise import clean_text

CHANGE_FOLLOW_UP = "surveys.change_followup"
OPEN_ACTION = "improvement.add_improvementaction"
MANAGER_ROLE = "unit_manager"
FOLLOW_UP_BUSINESS_DAYS = 2


def managers_of(unit: OrgUnit) -> list[User]:
    """The unit managers of the nearest unit up the tree that has any."""
    step = OrgUnit.steplen
    paths = [unit.path[: step * i] for i in range(1, len(unit.path) // step + 1)]
    users = list(
        User.objects.filter(is_active=True, groups__name=MANAGER_ROLE, org_unit__path__in=paths)
        .select_related("org_unit")
        .order_by("pk")
        .distinct()
    )
    for path in reversed(paths):
        found = [u for u in users if u.org_unit and u.org_unit.path == path]
        if found:
            return found
    return []


def business_days_after(unit: OrgUnit, start: datetime.datetime, days: int) -> datetime.datetime:
    """The same time of day `days` business days (of the unit's calendar) later."""
    from sqms.core.calendars import hours_on
    from sqms.servicedesk.sla import calendar_for

    calendar = calendar_for(unit)
    moment = start.astimezone(calendar.zone)
    counted = 0
    day = moment.date()
    for _step in range(60):
        day += datetime.timedelta(days=1)
        if hours_on(calendar, day):
            counted += 1
            if counted == days:
                break
    return datetime.datetime.combine(day, moment.timetz())


def open_follow_up(response: SurveyResponse) -> FollowUp:
    """A call-back task for the unit manager, due in two business days (once per response)."""
    existing = FollowUp.objects.filter(response=response).first()
    if existing is not None:
        return existing
    managers = managers_of(response.org_unit)
    now = timezone.now()
    follow_up = FollowUp.objects.create(
        org_unit_id=response.org_unit_id,
        response=response,
        ticket_id=response.ticket_id,
        assignee=managers[0] if managers else None,
        score=response.overall or 0,
        due_at=business_days_after(response.org_unit, now, FOLLOW_UP_BUSINESS_DAYS),
    )
    audit.record(AuditAction.CREATE, follow_up, actor=None, after=audit.snapshot(follow_up))
    url = follow_up_url(follow_up)
    score = response.overall

    def tell() -> None:
        notify(
            managers,
            lambda: (
                _("A customer rated a service %(score)s/5: call them back (客户回访).")
                % {"score": score}
            ),
            url=url,
            obj=follow_up,
        )

    transaction.on_commit(tell)
    return follow_up


def follow_up_url(follow_up: FollowUp) -> str:
    from django.urls import reverse

    return reverse("survey_follow_up_detail", args=[follow_up.pk])


def complete_follow_up(follow_up: FollowUp, *, actor: Any, outcome: str) -> FollowUp:
    require_permission(actor, [CHANGE_FOLLOW_UP], _("You may not work on follow-ups."))
    outcome = clean_text(outcome)
    if not outcome:
        raise DomainError(_("Describe the outcome of the call-back."), field="outcome")
    with transaction.atomic():
        follow_up = _lock_follow_up(follow_up, actor)
        if follow_up.status == FollowUpStatus.DONE:
            raise ConflictError(_("This follow-up is already done."), field="status")
        before = audit.snapshot(follow_up, ["status", "outcome"])
        follow_up.status = FollowUpStatus.DONE
        follow_up.outcome = outcome
        follow_up.done_at = timezone.now()
        follow_up.done_by = actor
        follow_up.save()
        audit.record(
            AuditAction.UPDATE,
            follow_up,
            actor=actor,
            before=before,
            after=audit.snapshot(follow_up, ["status", "outcome"]),
        )
    return follow_up


def _lock_follow_up(follow_up: FollowUp, actor: Any) -> FollowUp:
    from django.http import Http404

    found = (
        FollowUp.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("org_unit", "response", "ticket")
        .filter(pk=follow_up.pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such follow-up."))
    return found


def open_improvement(follow_up: FollowUp, *, actor: Any) -> Any:
    """Open an improvement action (source: survey follow-up) from a follow-up, once."""
    require_permission(actor, [OPEN_ACTION], _("You may not open improvement actions."))
    from sqms.improvement.choices import ActionSource
    from sqms.improvement.services import open_action

    with transaction.atomic():
        follow_up = _lock_follow_up(follow_up, actor)
        if follow_up.improvement_action_id is not None:
            raise ConflictError(
                _("An improvement action is already open for this follow-up."),
                field="improvement_action",
            )
        number = follow_up.ticket.number if follow_up.ticket else f"#{follow_up.response_id}"
        action = open_action(
            actor=actor,
            source=ActionSource.SURVEY,
            source_object=follow_up,
            title=_("Low satisfaction %(score)s/5 on %(ticket)s")
            % {"score": follow_up.score, "ticket": number},
            problem=follow_up.response.comment or follow_up.outcome,
            org_unit=follow_up.org_unit,
            owner=follow_up.assignee,
        )
        follow_up.improvement_action = action
        follow_up.save(update_fields=["improvement_action", "updated_at"])
        audit.record(
            AuditAction.UPDATE,
            follow_up,
            actor=actor,
            after={"improvement_action": action.pk},
        )
    return action
