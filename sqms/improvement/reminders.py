"""Reminders for overdue improvement actions: owner and unit managers, once per deadline."""

from collections.abc import Callable
from datetime import date

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.models import OrgUnit, User
from sqms.improvement.choices import EventType
from sqms.improvement.models import ImprovementAction
from sqms.improvement.services import _event, _notify_later

MANAGER_ROLE = "unit_manager"


def unit_managers(unit: OrgUnit) -> list[User]:
    """The unit managers of `unit`, or of the nearest unit above it that has any."""
    # The unit's own path and its ancestors' paths (materialised path prefixes), nearest first.
    steps = OrgUnit.steplen
    prefixes = [unit.path[:end] for end in range(len(unit.path), 0, -steps)]
    managers = list(
        User.objects.filter(
            org_unit__path__in=prefixes, is_active=True, groups__name=MANAGER_ROLE
        ).select_related("org_unit")
    )
    if not managers:
        return []
    depth = {m.pk: len(m.org_unit.path) if m.org_unit else 0 for m in managers}
    nearest = max(depth.values())
    return [m for m in managers if depth[m.pk] == nearest]


def notify_overdue(today: date | None = None) -> int:
    """Remind owner and unit managers of each open action past its deadline, once per
    deadline (a changed deadline re-arms the reminder). Idempotent and safe to run
    concurrently: each action is claimed with a conditional update. Returns how many."""
    today = today or timezone.localdate()
    due = (
        ImprovementAction.objects.overdue(today)
        .exclude(overdue_notified_for=models.F("deadline"))
        .select_related("org_unit")
    )
    reminded = 0
    managers_of: dict[int, list[int]] = {}
    for action in due.iterator(chunk_size=200):
        with transaction.atomic():
            claimed = (
                ImprovementAction.objects.filter(pk=action.pk, deadline=action.deadline)
                .exclude(overdue_notified_for=action.deadline)
                .update(overdue_notified_for=action.deadline)
            )
            if not claimed:
                continue
            _event(
                action,
                None,
                EventType.OVERDUE,
                message=_("Deadline %(date)s passed.") % {"date": action.deadline},
            )
            if action.org_unit_id not in managers_of:
                managers_of[action.org_unit_id] = [m.pk for m in unit_managers(action.org_unit)]
            recipients = [action.owner_id, *managers_of[action.org_unit_id]]
            _notify_later(recipients, None, _overdue_message(action), action)
            reminded += 1
    return reminded


def _overdue_message(action: ImprovementAction) -> Callable[[], str]:
    """The reminder's text, rendered later in each recipient's language."""
    number, title, deadline = action.number, action.title, action.deadline

    def message() -> str:
        return _(
            "Improvement action %(number)s (%(title)s) is overdue: its deadline was %(date)s."
        ) % {"number": number, "title": title, "date": deadline}

    return message
