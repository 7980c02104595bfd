"""Reminding risk owners of overdue reviews and controls, at most once a week per risk.

Run daily by the worker. Each reminder is claimed with a conditional UPDATE on the risk's
`reminded_on`, so overlapping runs (several workers) never remind twice.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.notify import notify
from sqms.risk.choices import QualityFlag
from sqms.risk.flags import flag_conditions
from sqms.risk.models import Risk

REMIND_EVERY_DAYS = 7
BATCH = 500


def due_for_reminder(today: date) -> Any:
    conditions = flag_conditions(today)
    overdue = conditions[QualityFlag.REVIEW_OVERDUE] | conditions[QualityFlag.OVERDUE_CONTROL]
    not_recently = Q(reminded_on__isnull=True) | Q(
        reminded_on__lte=today - timedelta(days=REMIND_EVERY_DAYS)
    )
    return Risk.objects.filter(overdue & not_recently).select_related("owner")


def _reminder(risk: Risk) -> Callable[[], Any]:
    number, title, owner = risk.number, risk.title, risk.owner
    url = reverse("risk_detail", args=[risk.pk])

    def message() -> str:
        return _("Risk %(number)s has an overdue review or control: %(title)s") % {
            "number": number,
            "title": title,
        }

    def send() -> None:
        notify([owner], message, url=url, obj=risk)

    return send


def remind_owners(today: date | None = None) -> int:
    """Notify the owners of risks with an overdue review or control; returns how many."""
    today = today or timezone.localdate()
    sent = 0
    for risk in due_for_reminder(today).order_by("pk")[:BATCH]:
        with transaction.atomic():
            claimed = Risk.objects.filter(pk=risk.pk, reminded_on=risk.reminded_on).update(
                reminded_on=today
            )
            if not claimed:
                continue
            transaction.on_commit(_reminder(risk))
            sent += 1
    return sent
