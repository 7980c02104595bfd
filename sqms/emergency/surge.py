"""An incident reported automatically when the tickets of one problem type surge in a unit."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.models import OrgUnit
from sqms.emergency.choices import OPEN_STATUSES, IncidentSource
from sqms.emergency.models import Incident

# Tickets of one problem type in one unit within the window that make a surge.
SURGE_THRESHOLD = getattr(settings, "SQMS_EMERGENCY_SURGE_TICKETS", 20)
SURGE_WINDOW = timedelta(minutes=getattr(settings, "SQMS_EMERGENCY_SURGE_MINUTES", 60))


def watch_ticket_surges(now: datetime | None = None) -> list[Incident]:
    """One incident per (problem type, unit) surge; an open one for the same pair is reused."""
    from sqms.emergency.services.incidents import report_incident
    from sqms.servicedesk.models import Category, Ticket

    now = now or timezone.now()
    rows = (
        Ticket.objects.filter(created_at__gte=now - SURGE_WINDOW, category__isnull=False)
        .values("category_id", "org_unit_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=SURGE_THRESHOLD)
    )
    reported = []
    for row in rows:
        reference = f"surge:{row['category_id']}:{row['org_unit_id']}"
        if Incident.objects.filter(source_reference=reference, status__in=OPEN_STATUSES).exists():
            continue
        unit = OrgUnit.objects.get(pk=row["org_unit_id"])
        category = Category.objects.get(pk=row["category_id"])
        reported.append(
            report_incident(
                actor=None,
                system=True,
                org_unit=unit,
                source=IncidentSource.TICKET_SURGE,
                source_reference=reference,
                title=_("Surge of “%(category)s” tickets at %(unit)s")
                % {"category": category, "unit": unit},
                description=_("%(count)d tickets within %(minutes)d minutes.")
                % {"count": row["n"], "minutes": int(SURGE_WINDOW.total_seconds() // 60)},
            )
        )
    return reported
