"""The inspections' fact source for the quality indicators (质检得分).

Submitted and reviewed inspections (on-site and mystery shopping), by the local day they were
carried out, the inspected unit and the inspected staff member: `inspections` counts them and
`inspection_points` sums their scores rounded to whole percent points, so the catalogue's
inspection_score (points ÷ inspections) is the mean score in %.
"""

import datetime
from collections.abc import Iterable

from django.db.models import BigIntegerField, Count, F, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round, TruncDate

from sqms.inspections.choices import COMPLETED_STATUSES
from sqms.quality.choices import Source
from sqms.quality.sources import day_start, local_zone, measures


class InspectionFacts:
    source: str = Source.INSPECTIONS
    day_field = "performed_at"

    def base(self) -> QuerySet:
        from sqms.inspections.models import Inspection

        return Inspection.objects.order_by()

    def grouped(
        self, first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None
    ) -> QuerySet:
        inspections = self.base().filter(
            status__in=list(COMPLETED_STATUSES),
            score__isnull=False,
            performed_at__gte=day_start(first),
            performed_at__lt=day_start(last + datetime.timedelta(days=1)),
        )
        if unit_ids is not None:
            inspections = inspections.filter(org_unit_id__in=list(unit_ids))
        return (
            inspections.annotate(
                day=TruncDate("performed_at", tzinfo=local_zone()),
                staff_id=F("inspected_staff_id"),
                channel=Value(""),
                kind=Value(""),
                category_id=Cast(Value(None), BigIntegerField()),
            )
            .values("day", "org_unit_id", "staff_id", "channel", "kind", "category_id")
            .annotate(
                **measures(
                    inspections=Count("id"),
                    inspection_points=Coalesce(
                        Sum(Cast(Round("score"), IntegerField())),
                        Value(0),
                        output_field=IntegerField(),
                    ),
                )
            )
        )

    def changed_keys(
        self, since: datetime.datetime | None, until: datetime.datetime
    ) -> set[tuple[datetime.date, int]]:
        changed = self.base().filter(updated_at__lte=until, performed_at__isnull=False)
        if since is not None:
            changed = changed.filter(updated_at__gt=since)
        rows = (
            changed.annotate(day=TruncDate("performed_at", tzinfo=local_zone()))
            .values_list("day", "org_unit_id")
            .distinct()
        )
        return set(rows)
