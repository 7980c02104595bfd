"""Fact sources: where rollup measures come from, as set-based SELECTs over raw records.

A source gives, for a range of days (and optionally some org units), one grouped queryset
whose rows are rollup rows: the key columns of DailyFact plus some measures. The rollup code
turns each into `INSERT INTO … SELECT …`, so no record passes through Python.

Service records (tickets) and counter visits are here now. Surveys and inspections plug in
the same way once their app exists: `register(Source.SURVEYS, SurveyFacts())` from that
app's ready(); until then the indicators built on them report "no data".
"""

import datetime
from collections.abc import Iterable
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate

from sqms.quality.choices import Source
from sqms.quality.measures import BUSINESS_LIMIT, EDGES, histogram_fields

KEY_COLUMNS = ("day", "org_unit_id", "staff_id", "channel", "kind", "category_id")


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


class FactSource(Protocol):
    source: str
    # The datetime field of base() whose local day a record counts on (the rebuild's span).
    day_field: str

    def base(self) -> QuerySet:
        """The records, unfiltered."""
        ...

    def grouped(
        self, first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None
    ) -> QuerySet:
        """Rows (KEY_COLUMNS + measures) for days first..last (inclusive)."""
        ...

    def changed_keys(
        self, since: datetime.datetime | None, until: datetime.datetime
    ) -> set[tuple[datetime.date, int]]:
        """The (day, org unit) keys of records changed in (since, until]."""
        ...


_sources: dict[str, FactSource] = {}


def register(source: FactSource) -> None:
    _sources[source.source] = source


def registered() -> list[FactSource]:
    return list(_sources.values())


def has_source(source: str) -> bool:
    return source in _sources


MEASURE_PREFIX = "m_"


def measures(**expressions: Any) -> dict[str, Any]:
    """Measure annotations under a prefix, so they never shadow a record's own field."""
    return {MEASURE_PREFIX + name: expression for name, expression in expressions.items()}


def _int(expression: Any) -> Any:
    return Coalesce(expression, Value(0), output_field=IntegerField())


def _count(condition: Q) -> Any:
    return _int(Sum(Case(When(condition, then=Value(1)), default=Value(0))))


def _histogram(field_name: str, condition: Q) -> dict[str, Any]:
    fields = histogram_fields(HISTOGRAMS_BY_DURATION[field_name])
    result = {}
    low = None
    for i, name in enumerate(fields):
        bucket = Q(condition)
        if low is not None:
            bucket &= Q(**{f"{field_name}__gte": low})
        if i < len(EDGES):
            bucket &= Q(**{f"{field_name}__lt": EDGES[i]})
            low = EDGES[i]
        result[name] = _count(bucket)
    return result


HISTOGRAMS_BY_DURATION = {"response_minutes": "resp_h", "resolve_minutes": "res_h"}


class SecondsBetween(Func):
    """Whole seconds from the first datetime to the second, on SQLite and PostgreSQL."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(EXTRACT(EPOCH FROM (%(expressions)s))) AS BIGINT)",
            arg_joiner=" - ",
            **extra,
        )


class TicketFacts:
    """Service records, by the local day they were registered (a cohort: a ticket's later
    response and resolution count on its registration day, so its day never moves)."""

    source: str = Source.TICKETS
    day_field = "created_at"

    def base(self) -> QuerySet:
        from sqms.servicedesk.models import Ticket

        return Ticket.objects.order_by()

    def grouped(
        self, first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None
    ) -> QuerySet:
        tickets = self.base().filter(
            created_at__gte=day_start(first),
            created_at__lt=day_start(last + datetime.timedelta(days=1)),
        )
        if unit_ids is not None:
            tickets = tickets.filter(org_unit_id__in=list(unit_ids))
        responded = Q(response_minutes__isnull=False)
        resolved = Q(resolved_at__isnull=False)
        business = resolved & Q(kind="business", resolve_minutes__isnull=False)
        complaint = Q(kind="complaint")
        return (
            tickets.annotate(
                day=TruncDate("created_at", tzinfo=local_zone()),
                staff_id=Coalesce("resolved_by_id", "assignee_id", "first_contact_owner_id"),
            )
            .values("day", "org_unit_id", "staff_id", "channel", "kind", "category_id")
            .annotate(
                **measures(
                    tickets=Count("id"),
                    responded=_count(responded),
                    response_minutes=_int(Sum("response_minutes")),
                    response_ontime=_count(
                        responded
                        & (
                            Q(response_due_at__isnull=True)
                            | Q(responded_at__lte=F("response_due_at"))
                        )
                    ),
                    resolved=_count(resolved),
                    resolve_minutes=_int(Sum("resolve_minutes", filter=resolved)),
                    resolve_ontime=_count(
                        resolved
                        & (Q(resolve_due_at__isnull=True) | Q(resolved_at__lte=F("resolve_due_at")))
                    ),
                    business_handled=_count(business),
                    business_minutes=_int(Sum("resolve_minutes", filter=business)),
                    business_ontime=_count(business & Q(resolve_minutes__lte=BUSINESS_LIMIT)),
                    service_errors=_count(resolved & Q(service_error=True)),
                    first_contact_resolved=_count(
                        resolved
                        & Q(
                            resolved_by_id=F("first_contact_owner_id"),
                            reassignment_count=0,
                            reopen_count=0,
                        )
                    ),
                    reopened=_count(Q(reopen_count__gt=0)),
                    complaints=_count(complaint),
                    complaints_handled=_count(
                        complaint & (Q(resolved_at__isnull=False) | Q(closed_at__isnull=False))
                    ),
                    **_histogram("response_minutes", responded),
                    # Handling-time quantiles are those of the business requests handled.
                    **_histogram("resolve_minutes", business),
                )
            )
        )

    def changed_keys(
        self, since: datetime.datetime | None, until: datetime.datetime
    ) -> set[tuple[datetime.date, int]]:
        changed = self.base().filter(updated_at__lte=until)
        if since is not None:
            changed = changed.filter(updated_at__gt=since)
        rows = (
            changed.annotate(day=TruncDate("created_at", tzinfo=local_zone()))
            .values_list("day", "org_unit_id")
            .distinct()
        )
        return set(rows)


class ComplaintDueFacts:
    """Complaints by the local day they are due (their resolve-by time): the 投诉处理率 counts
    the complaints due in a period, whenever they were registered."""

    source: str = "complaints_due"
    day_field = "resolve_due_at"
    # A complaint's due time can move (re-planned on a priority change or reopening); its old
    # due day is not stored, so a change recomputes this many days from its registration,
    # which covers any due time a complaint plan gives.
    DUE_WINDOW_DAYS = 62

    def base(self) -> QuerySet:
        from sqms.servicedesk.models import Ticket

        return Ticket.objects.order_by().filter(kind="complaint", resolve_due_at__isnull=False)

    def grouped(
        self, first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None
    ) -> QuerySet:
        complaints = self.base().filter(
            resolve_due_at__gte=day_start(first),
            resolve_due_at__lt=day_start(last + datetime.timedelta(days=1)),
        )
        if unit_ids is not None:
            complaints = complaints.filter(org_unit_id__in=list(unit_ids))
        return (
            complaints.annotate(
                day=TruncDate("resolve_due_at", tzinfo=local_zone()),
                staff_id=Coalesce("resolved_by_id", "assignee_id", "first_contact_owner_id"),
            )
            .values("day", "org_unit_id", "staff_id", "channel", "kind", "category_id")
            .annotate(
                **measures(
                    complaints_due=Count("id"),
                    complaints_due_handled=_count(
                        Q(resolved_at__isnull=False) | Q(closed_at__isnull=False)
                    ),
                )
            )
        )

    def changed_keys(
        self, since: datetime.datetime | None, until: datetime.datetime
    ) -> set[tuple[datetime.date, int]]:
        changed = self.base().filter(updated_at__lte=until)
        if since is not None:
            changed = changed.filter(updated_at__gt=since)
        keys: set[tuple[datetime.date, int]] = set()
        rows = (
            changed.annotate(day=TruncDate("created_at", tzinfo=local_zone()))
            .values_list("day", "org_unit_id")
            .distinct()
        )
        for day, unit_id in rows:
            keys.update(
                (day + datetime.timedelta(days=n), unit_id) for n in range(self.DUE_WINDOW_DAYS)
            )
        return keys


class VisitFacts:
    """Counter visits, by the local day of arrival; only visits that were called count."""

    source: str = Source.VISITS
    day_field = "arrived_at"

    def base(self) -> QuerySet:
        from sqms.servicedesk.models import CounterVisit

        return CounterVisit.objects.order_by()

    def grouped(
        self, first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None
    ) -> QuerySet:
        visits = self.base().filter(
            arrived_at__gte=day_start(first),
            arrived_at__lt=day_start(last + datetime.timedelta(days=1)),
            called_at__isnull=False,
        )
        if unit_ids is not None:
            visits = visits.filter(org_unit_id__in=list(unit_ids))
        return (
            visits.annotate(
                day=TruncDate("arrived_at", tzinfo=local_zone()),
                staff_id=F("served_by_id"),
                channel=Value("counter"),
                kind=Value(""),
                # A typed NULL: PostgreSQL cannot infer an untyped one inside the INSERT … SELECT.
                category_id=Cast(Value(None), BigIntegerField()),
            )
            .values("day", "org_unit_id", "staff_id", "channel", "kind", "category_id")
            .annotate(
                **measures(
                    visits=Count("id"),
                    wait_seconds=_int(
                        Sum(
                            SecondsBetween(
                                F("called_at"), F("arrived_at"), output_field=IntegerField()
                            )
                        )
                    ),
                )
            )
        )

    def changed_keys(
        self, since: datetime.datetime | None, until: datetime.datetime
    ) -> set[tuple[datetime.date, int]]:
        changed = self.base().filter(updated_at__lte=until)
        if since is not None:
            changed = changed.filter(updated_at__gt=since)
        rows = (
            changed.annotate(day=TruncDate("arrived_at", tzinfo=local_zone()))
            .values_list("day", "org_unit_id")
            .distinct()
        )
        return set(rows)


register(TicketFacts())
register(ComplaintDueFacts())
register(VisitFacts())
