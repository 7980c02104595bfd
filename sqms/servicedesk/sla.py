"""SLA planning: priority from the matrix, the matching policy, the unit's business calendar,
due and warning times, pauses, re-planning, and the response/resolution facts.

These functions set fields on a Ticket and never save it: the services in
sqms.servicedesk.services call them inside their transaction and save once.

Durations are whole minutes, counted in business time (the unit's calendar) or calendar time
as the ticket's policy says; time spent waiting for the customer never counts.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from sqms.core.calendars import (
    WorkingCalendar,
    add_business_time,
    business_time_between,
    statutory_data_known,
)
from sqms.core.models import BusinessCalendar, OrgUnit
from sqms.servicedesk.choices import OPEN_STATUSES, Level, Priority, TicketStatus
from sqms.servicedesk.models import PriorityRule, SlaPolicy, Ticket, TicketEvent

# Used for a cell the configured matrix lacks: impact + urgency − 1, capped at P4, so
# high × high is P1, medium × medium P3 and anything with a low and a medium P4.
BUILTIN_MATRIX: dict[tuple[int, int], int] = {
    (impact, urgency): min(impact + urgency - 1, Priority.P4)
    for impact in Level.values
    for urgency in Level.values
}


def priority_for(impact: int, urgency: int) -> int:
    """The priority (1 = P1 … 4 = P4) of an impact × urgency pair from the configured matrix."""
    configured = (
        PriorityRule.objects.filter(impact=impact, urgency=urgency)
        .values_list("priority", flat=True)
        .first()
    )
    if configured is not None:
        return int(configured)
    return BUILTIN_MATRIX.get((int(impact), int(urgency)), Priority.P3)


def ancestor_paths(unit: OrgUnit) -> list[str]:
    """The materialised paths of `unit` and every unit above it, root first."""
    step = OrgUnit.steplen
    return [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]


def specificity(policy: SlaPolicy) -> tuple[int, int, int]:
    criteria = sum(
        (
            bool(policy.kind),
            policy.priority is not None,
            bool(policy.channel),
            bool(policy.org_unit_id),
        )
    )
    depth = policy.org_unit.depth if policy.org_unit is not None else 0
    # max() picks the most criteria, then the unit nearest the ticket's, then the oldest policy.
    return criteria, depth, -policy.pk


def match_policy(ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy for the ticket's kind, priority, channel and unit; it is
    recorded on the ticket (`ticket.sla_policy`), which shows the user which one applies."""
    unit_filter = Q(org_unit__isnull=True)
    if ticket.org_unit_id:
        unit_filter |= Q(org_unit__path__in=ancestor_paths(ticket.org_unit))
    candidates = list(
        SlaPolicy.objects.filter(is_active=True)
        .filter(Q(kind="") | Q(kind=ticket.kind))
        .filter(Q(priority__isnull=True) | Q(priority=ticket.priority))
        .filter(Q(channel="") | Q(channel=ticket.channel))
        .filter(unit_filter)
        .select_related("org_unit")
    )
    policy = max(candidates, key=specificity) if candidates else None
    ticket.sla_policy = policy
    return policy


class PolicyBook:
    """The active policies and unit calendars, each loaded once, for work on many tickets
    (the sweep's re-plans, imports): match_policy's rule applied in memory."""

    def __init__(self) -> None:
        self._policies: list[SlaPolicy] | None = None
        self._calendars: dict[int, WorkingCalendar] = {}
        self._matched: dict[tuple[Any, ...], SlaPolicy | None] = {}

    def policy_for(self, ticket: Ticket) -> SlaPolicy | None:
        key = (ticket.kind, ticket.priority, ticket.channel, ticket.org_unit_id)
        if key not in self._matched:
            self._matched[key] = self._match(ticket)
        return self._matched[key]

    def _match(self, ticket: Ticket) -> SlaPolicy | None:
        if self._policies is None:
            self._policies = list(
                SlaPolicy.objects.filter(is_active=True).select_related("org_unit")
            )
        paths = set(ancestor_paths(ticket.org_unit)) if ticket.org_unit_id else set()
        candidates = [
            policy
            for policy in self._policies
            if policy.kind in ("", ticket.kind)
            and policy.priority in (None, ticket.priority)
            and policy.channel in ("", ticket.channel)
            and (policy.org_unit is None or policy.org_unit.path in paths)
        ]
        return max(candidates, key=specificity) if candidates else None

    def clock_for(self, ticket: Ticket) -> "SlaClock":
        """The ticket's clock, with its unit's calendar loaded once per unit."""
        policy = ticket.sla_policy
        if policy is None or not policy.business_time or not ticket.org_unit_id:
            return clock_for(ticket)
        calendar = self._calendars.get(ticket.org_unit_id)
        if calendar is None:
            calendar = self._calendars[ticket.org_unit_id] = calendar_for(ticket.org_unit)
        return clock_for(ticket, calendar)


def calendar_for(org_unit: OrgUnit | None) -> WorkingCalendar:
    """The business calendar of the nearest unit up the tree that has one; Monday–Friday office
    hours with China's statutory holidays when none has."""
    if org_unit is None:
        return WorkingCalendar()
    calendar = (
        BusinessCalendar.objects.filter(org_unit__path__in=ancestor_paths(org_unit))
        .select_related("org_unit")
        .order_by("-org_unit__depth")
        .first()
    )
    if calendar is None:
        return WorkingCalendar(time_zone=org_unit.time_zone)
    return calendar.to_working_calendar()


@dataclass
class SlaClock:
    """Adds and counts minutes the way a policy says: business time on the ticket unit's
    calendar, or plain calendar time (which needs no calendar, so none is loaded)."""

    business: bool
    unit: OrgUnit | None
    _calendar: WorkingCalendar | None = field(default=None, repr=False)

    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = calendar_for(self.unit)
        return self._calendar

    def add(self, start: datetime, minutes: int) -> datetime:
        return self.add_exact(start, timedelta(minutes=minutes))

    def between(self, start: datetime, end: datetime) -> int:
        """Whole minutes, rounded down."""
        return int(self.exact_between(start, end).total_seconds() // 60)

    def add_exact(self, start: datetime, length: timedelta) -> datetime:
        """As add, for a length not rounded to whole minutes."""
        if self.business:
            return add_business_time(self.calendar, start, length)
        return start + length

    def exact_between(self, start: datetime, end: datetime) -> timedelta:
        """As between, not rounded down to whole minutes: what a stopped clock had left."""
        if end <= start:
            return timedelta()
        if self.business:
            return business_time_between(self.calendar, start, end)
        return end - start


def clock_for(ticket: Ticket, calendar: WorkingCalendar | None = None) -> SlaClock:
    policy = ticket.sla_policy
    business = bool(policy is not None and policy.business_time)
    # A ticket just planned in this request carries the calendar it was planned on.
    calendar = calendar or getattr(ticket, "_planned_on", None)
    return SlaClock(
        business=business, unit=ticket.org_unit if ticket.org_unit_id else None, _calendar=calendar
    )


def next_check_at(ticket: Ticket) -> datetime | None:
    """The earliest pending warning or due time: what the sweep's range query looks at.
    Nothing is pending while the ticket waits for the customer or once it is resolved."""
    if ticket.paused_at is not None or ticket.status not in OPEN_STATUSES:
        return None
    if ticket.status == TicketStatus.WAITING_CUSTOMER:
        return None
    pending: list[datetime | None] = []
    if ticket.responded_at is None:
        if not (ticket.response_warned or ticket.response_breached):
            pending.append(ticket.response_warn_at)
        if not ticket.response_breached:
            pending.append(ticket.response_due_at)
    if not (ticket.resolve_warned or ticket.resolve_breached):
        pending.append(ticket.resolve_warn_at)
    if not ticket.resolve_breached:
        pending.append(ticket.resolve_due_at)
    times = [moment for moment in pending if moment is not None]
    return min(times) if times else None


def _warn_minutes(minutes: int, policy: SlaPolicy) -> int:
    return minutes * min(max(policy.warn_percent, 0), 100) // 100


def _due_after(
    clock: SlaClock, start: datetime, minutes: int, pauses: Iterable[tuple[datetime, datetime]]
) -> datetime:
    """The instant `minutes` of (business or calendar) time after `start`, not counting the
    closed pause intervals."""
    cursor, remaining = start, minutes
    for pause_start, pause_end in pauses:
        if pause_end <= cursor:
            continue
        candidate = clock.add(cursor, remaining)
        if candidate <= pause_start:
            return candidate
        remaining -= clock.between(cursor, pause_start)
        cursor = max(cursor, pause_end)
    return clock.add(cursor, max(remaining, 0))


def paused_intervals(ticket: Ticket) -> list[tuple[datetime, datetime]]:
    """The closed spells during which the clock stood still (waiting for the customer, an SLA
    hold, or resolved until sent back or reopened), from the timeline events that ended them."""
    if ticket.pk is None:
        return []
    return paused_intervals_of([ticket.pk]).get(ticket.pk, [])


def paused_intervals_of(ticket_ids: list[int]) -> dict[int, list[tuple[datetime, datetime]]]:
    """paused_intervals for many tickets in one query, by ticket id."""
    intervals: dict[int, list[tuple[datetime, datetime]]] = {}
    if not ticket_ids:
        return intervals
    rows = (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids, data__has_key="paused_until")
        .order_by()  # sorted below, per ticket
        .values_list("ticket_id", "data")
    )
    for ticket_id, data in rows:
        try:
            start = datetime.fromisoformat(data["paused_from"])
            end = datetime.fromisoformat(data["paused_until"])
        except (KeyError, TypeError, ValueError):
            continue  # an imported or hand-made event without a usable interval
        intervals.setdefault(ticket_id, []).append((start, end))
    for spans in intervals.values():
        spans.sort()
    return intervals


def set_due_times(
    ticket: Ticket, clock: SlaClock, start: datetime, pauses: list[tuple[datetime, datetime]]
) -> None:
    """Set the ticket's warning and due times under its policy, counted from `start` on
    `clock`, skipping the closed pause intervals (plan, replan and the sweep's re-plan)."""
    policy = ticket.sla_policy
    if policy is None:
        ticket.response_due_at = ticket.response_warn_at = None
        ticket.resolve_due_at = ticket.resolve_warn_at = None
        return
    ticket.response_due_at = _due_after(clock, start, policy.response_minutes, pauses)
    ticket.response_warn_at = _due_after(
        clock, start, _warn_minutes(policy.response_minutes, policy), pauses
    )
    ticket.resolve_due_at = _due_after(clock, start, policy.resolve_minutes, pauses)
    ticket.resolve_warn_at = _due_after(
        clock, start, _warn_minutes(policy.resolve_minutes, policy), pauses
    )


def plan(ticket: Ticket, now: datetime, *, calendar: WorkingCalendar | None = None) -> SlaClock:
    """Match the policy and plan a new ticket's commitments from its registration time."""
    match_policy(ticket)
    clock = clock_for(ticket, calendar)
    set_due_times(ticket, clock, ticket.created_at or now, [])
    ticket.response_warned = ticket.resolve_warned = False
    ticket.response_breached = ticket.resolve_breached = False
    ticket.sla_next_check_at = next_check_at(ticket)
    ticket._planned_on = clock._calendar  # type: ignore[attr-defined]
    return clock


def plan_imported(ticket: Ticket, now: datetime, book: PolicyBook) -> None:
    """Plan a historical ticket from its registration time. Targets it met or missed before
    the import are recorded as facts (durations, breaches), never escalated; what is still
    pending is left for the sweep."""
    ticket.sla_policy = book.policy_for(ticket)
    clock = book.clock_for(ticket)
    start = ticket.created_at or now
    set_due_times(ticket, clock, start, [])
    for prefix, done_at in (("response", ticket.responded_at), ("resolve", ticket.resolved_at)):
        due_at, warn_at = getattr(ticket, f"{prefix}_due_at"), getattr(ticket, f"{prefix}_warn_at")
        reference = done_at or now
        breached = due_at is not None and reference > due_at
        setattr(ticket, f"{prefix}_breached", breached)
        setattr(ticket, f"{prefix}_warned", breached or _passed(warn_at, reference))
        if done_at is not None:
            setattr(ticket, f"{prefix}_minutes", clock.between(start, done_at))
    ticket.sla_next_check_at = next_check_at(ticket)


def replan(ticket: Ticket, now: datetime, *, calendar: WorkingCalendar | None = None) -> SlaClock:
    """After a priority (or kind) change: match again and recompute the due times from the
    registration time, still not counting past waits. Targets already met keep their facts;
    a pending warning or breach flag stays only if its new time has passed too (so the sweep
    neither repeats an escalation nor misses one the new plan calls for)."""
    match_policy(ticket)
    clock = clock_for(ticket, calendar)
    set_due_times(ticket, clock, ticket.created_at or now, paused_intervals(ticket))
    # A ticket paused now keeps the unshifted plan: resuming shifts what lies after the pause.
    if ticket.responded_at is None:
        ticket.response_warned = bool(
            ticket.response_warned and _passed(ticket.response_warn_at, now)
        )
        ticket.response_breached = bool(
            ticket.response_breached and _passed(ticket.response_due_at, now)
        )
    if ticket.status in OPEN_STATUSES:
        ticket.resolve_warned = bool(ticket.resolve_warned and _passed(ticket.resolve_warn_at, now))
        ticket.resolve_breached = bool(
            ticket.resolve_breached and _passed(ticket.resolve_due_at, now)
        )
    ticket.sla_next_check_at = next_check_at(ticket)
    return clock


def _passed(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def pause(ticket: Ticket, now: datetime) -> None:
    """Stop the clock: the sweep ignores the ticket until it resumes. A clock already stopped
    (an SLA hold, say) keeps its earlier start, so no stopped time is counted."""
    ticket.paused_at = ticket.paused_at or now
    ticket.sla_next_check_at = None


def resume(
    ticket: Ticket,
    now: datetime,
    *,
    since: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> dict[str, Any]:
    """Restart the clock stopped at `since` (default: the ticket's pause). Each pending time
    after that moves so that the minutes left before it are the minutes that were left when
    the clock stopped. Returns the spell's interval and length for the timeline event, from
    which later facts (resolve_minutes, re-planning) leave the spell out."""
    paused_from = since or ticket.paused_at or now
    clock = clock_for(ticket, calendar)
    targets = []
    if ticket.responded_at is None:
        targets += ["response_warn_at", "response_due_at"]
    targets += ["resolve_warn_at", "resolve_due_at"]
    for name in targets:
        moment = getattr(ticket, name)
        if moment is not None and moment > paused_from:
            # Exactly what was left, not whole minutes: rounding down would pull the due time
            # earlier by up to a minute on every pause, however short.
            setattr(ticket, name, clock.add_exact(now, clock.exact_between(paused_from, moment)))
    ticket.paused_at = None
    ticket.sla_next_check_at = next_check_at(ticket)
    return {
        "paused_from": paused_from.isoformat(),
        "paused_until": now.isoformat(),
        "waited_minutes": clock.between(paused_from, now),
        "business_time": clock.business,
    }


def active_minutes(
    clock: SlaClock, start: datetime, end: datetime, pauses: Iterable[tuple[datetime, datetime]]
) -> int:
    """Minutes from start to end on the clock, less the time spent waiting for the customer."""
    total = clock.between(start, end)
    for pause_start, pause_end in pauses:
        total -= clock.between(max(pause_start, start), min(pause_end, end))
    return max(total, 0)


def record_response(ticket: Ticket, now: datetime, *, clock: SlaClock | None = None) -> None:
    """Facts of the first response: when, how long it took, whether it was late."""
    if ticket.responded_at is not None:
        return
    clock = clock or clock_for(ticket)
    ticket.responded_at = now
    start = ticket.created_at or now
    # Waiting for the customer comes after the first response; an SLA hold may come before.
    ticket.response_minutes = active_minutes(clock, start, now, paused_intervals(ticket))
    ticket.response_breached = bool(ticket.response_due_at and now > ticket.response_due_at)
    ticket.sla_next_check_at = next_check_at(ticket)


def record_resolution(ticket: Ticket, now: datetime, *, clock: SlaClock | None = None) -> None:
    """Facts of the resolution (the latest one, if the ticket was reopened)."""
    clock = clock or clock_for(ticket)
    ticket.resolved_at = now
    start = ticket.created_at or now
    ticket.resolve_minutes = active_minutes(clock, start, now, paused_intervals(ticket))
    ticket.resolve_breached = bool(ticket.resolve_due_at and now > ticket.resolve_due_at)


def unknown_holiday_years(ticket: Ticket, calendar: WorkingCalendar | None = None) -> list[int]:
    """Years the ticket's SLA window covers whose statutory holidays chinese-calendar does not
    know yet: its business-time due dates there assume plain weekly hours (show a warning)."""
    policy = ticket.sla_policy
    if policy is None or not policy.business_time:
        return []
    moments = [
        moment
        for moment in (
            ticket.created_at,
            ticket.response_due_at,
            ticket.resolve_due_at,
        )
        if moment is not None
    ]
    if not moments:
        return []
    clock = clock_for(ticket, calendar)
    if not clock.calendar.observe_statutory_holidays:
        return []
    zone = clock.calendar.zone
    first = min(moments).astimezone(zone).year
    last = max(moments).astimezone(zone).year
    return [year for year in range(first, last + 1) if not statutory_data_known(year)]
