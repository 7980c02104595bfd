"""What the surveys app adds to other apps' extension points: the customer history (survey
answers and the last satisfaction score) and the retention job (survey free text)."""

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sqms.surveys.models import Answer, SurveyResponse

HISTORY_LIMIT = 20
LOW = 2


def history_entries(customer: Any, user: Any) -> list[Any]:
    """The customer's completed surveys the user may see (results permission)."""
    from sqms.customers.history import HistoryEntry

    if not user.has_perm("surveys.view_surveyresponse"):
        return []
    rows = (
        SurveyResponse.objects.visible_to(user)
        .filter(customer=customer, completed_at__isnull=False)
        .select_related("ticket")
        .order_by("-completed_at")[:HISTORY_LIMIT]
    )
    return [
        HistoryEntry(
            when=row.completed_at,
            kind="survey",
            label=_("Survey"),
            title=(f"{row.ticket.number} · " if row.ticket else "")
            + f"{row.overall if row.overall is not None else '—'}/5",
            url=reverse("survey_response_detail", args=[row.pk]),
            highlight=row.overall is not None and row.overall <= LOW,
        )
        for row in rows
    ]


def last_satisfaction(customer: Any, user: Any) -> str | None:
    """The overall score of the customer's latest survey, as "4/5"."""
    row = (
        SurveyResponse.objects.visible_to(user)
        .filter(customer=customer, completed_at__isnull=False, overall__isnull=False)
        .order_by("-completed_at")
        .values_list("overall", flat=True)
        .first()
    )
    return None if row is None else f"{row}/5"


def purge_free_text(rule: Any, cutoff: datetime.datetime, now: datetime.datetime) -> list[str]:
    """Retention: blank the free text of responses completed before `cutoff`; returns their
    references ("SR" + id)."""
    responses = SurveyResponse.objects.filter(completed_at__lt=cutoff).exclude(comment="")
    ids = list(responses.values_list("pk", flat=True))
    texts = Answer.objects.filter(response_id__in=ids).exclude(text="")
    if not ids and not texts.exists():
        return []
    texts.update(text="")
    SurveyResponse.objects.filter(pk__in=ids).update(comment="", updated_at=now)
    return [f"SR{pk}" for pk in ids]
