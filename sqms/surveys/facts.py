"""The surveys fact source of the quality rollups: completed responses by the local day they
were completed, with survey_answers, survey_satisfied and the NPS counts."""

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from sqms.quality.choices import Source
from sqms.quality.sources import _count, day_start, local_zone, measures


class SurveyFacts:
    source: str = Source.SURVEYS
    day_field = "completed_at"

    def base(self) -> QuerySet:
        from sqms.surveys.models import SurveyResponse

        return SurveyResponse.objects.filter(completed_at__isnull=False).order_by()

    def grouped(
        self, first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None
    ) -> QuerySet:
        from django.db.models.functions import TruncDate

        responses = self.base().filter(
            completed_at__gte=day_start(first),
            completed_at__lt=day_start(last + datetime.timedelta(days=1)),
        )
        if unit_ids is not None:
            responses = responses.filter(org_unit_id__in=list(unit_ids))
        return (
            responses.annotate(day=TruncDate("completed_at", tzinfo=local_zone()))
            .values("day", "org_unit_id", "staff_id", "channel", "kind", "category_id")
            .annotate(
                **measures(
                    survey_answers=_count(Q(overall__isnull=False)),
                    survey_satisfied=_count(Q(overall__gte=4)),
                    nps_answers=_count(Q(nps__isnull=False)),
                    nps_promoters=_count(Q(nps__gte=9)),
                    nps_detractors=_count(Q(nps__lte=6)),
                )
            )
        )

    def changed_keys(
        self, since: datetime.datetime | None, until: datetime.datetime
    ) -> set[tuple[datetime.date, int]]:
        from django.db.models.functions import TruncDate

        changed = self.base().filter(updated_at__lte=until)
        if since is not None:
            changed = changed.filter(updated_at__gt=since)
        rows = (
            changed.annotate(day=TruncDate("completed_at", tzinfo=local_zone()))
            .values_list("day", "org_unit_id")
            .distinct()
        )
        return set(rows)
