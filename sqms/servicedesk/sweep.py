"""The periodic SLA sweep: warns before a ticket's commitments fall due and escalates on breach.

`sweep(now)` finds the due tickets with one indexed range query on `sla_next_check_at`, in
batches. Each batch runs in its own transaction and locks its rows with
`SELECT … FOR UPDATE SKIP LOCKED`, so concurrent sweeps (several workers) split the work; what
is due is decided from the locked row's flags, so a warning or escalation is recorded once no
matter how often or how concurrently the sweep runs. A batch costs a bounded number of queries
whatever its size: events, notifications and audit entries are written in bulk.
"""

import dataclasses
import operator
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core import audit, bulk
from sqms.core.calendars import Interval, WorkingCalendar, hours_on
from sqms.core.choices import AuditAction
from sqms.core.models import (
    AuditEvent,
    BusinessCalendar,
    Notification,
    OrgUnit,
    User,
)
from sqms.servicedesk import signals, sla
from sqms.servicedesk.choices import (
    OPEN_STATUSES,
    EventType,
    Priority,
    SlaTarget,
    TicketStatus,
)
from sqms.servicedesk.models import SlaPolicy, Ticket, TicketEvent

# Waiting for the customer stops the clock; every other open state is swept.
SWEPT_STATUSES = sorted(OPEN_STATUSES - {TicketStatus.WAITING_CUSTOMER})
MANAGER_ROLE = "unit_manager"

# What the sweep may change on a ticket (also what its audit entry shows).
ESCALATION_FIELDS = [
    "priority",
    "assignee",
    "handling_department",
    "reassignment_count",
    "escalation_level",
    "response_breached",
    "resolve_breached",
    "sla_policy",
    "response_due_at",
    "resolve_due_at",
]
_ESCALATED_UPDATE = [
    *ESCALATION_FIELDS,
    "response_warn_at",
    "resolve_warn_at",
    "response_warned",
    "resolve_warned",
    "sla_next_check_at",
    "updated_at",
]
_CHECKED_UPDATE = ["response_warned", "resolve_warned", "sla_next_check_at", "updated_at"]

# What the sweep reads of a ticket to decide, re-plan and write. Nothing else: every column
# costs its conversion on every row, and the encrypted ones a decryption.
_READ = [
    "id",
    "number",
    "title",
    "kind",
    "channel",
    "status",
    "impact",
    "urgency",
    "priority",
    "org_unit",
    "first_contact_owner",
    "assignee",
    "handling_department",
    "sla_policy",
    "created_at",
    "updated_at",
    "responded_at",
    "paused_at",
    "response_due_at",
    "resolve_due_at",
    "response_warn_at",
    "resolve_warn_at",
    "sla_next_check_at",
    "response_warned",
    "resolve_warned",
    "response_breached",
    "resolve_breached",
    "escalation_level",
    "reassignment_count",
]
_USER_DEFERRED = ["mobile", "mobile_index", "password"]

TARGET_LABELS: dict[str, Any] = {
    SlaTarget.RESPONSE: SlaTarget.RESPONSE.label,
    SlaTarget.RESOLUTION: SlaTarget.RESOLUTION.label,
}


@dataclass
class SweepResult:
    """Tickets examined, tickets warned and tickets escalated by one sweep."""

    checked: int = 0
    warned: int = 0
    escalated: int = 0

    def __iadd__(self, other: "SweepResult") -> "SweepResult":
        self.checked += other.checked
        self.warned += other.warned
        self.escalated += other.escalated
        return self


def due_tickets(now: datetime) -> Any:
    """The one indexed range query: open, running tickets whose next check has come."""
    return Ticket.objects.filter(sla_next_check_at__lte=now, status__in=SWEPT_STATUSES)


def sweep(now: datetime | None = None, *, batch_size: int = 500) -> SweepResult:
    """Warn and escalate every ticket due at `now` (default: the current time).

    On PostgreSQL, a sweep that finds a full batch while no other sweep runs gets a second
    loop, in a thread with its own connection: while the database works one loop's batch, the
    other prepares its next, so the sweep keeps a core busy on each side. The loops split the
    work as concurrent sweeps do (SKIP LOCKED) and share what they have handled. With other
    sweeps running (several workers) there is no helper, and a running one stops: more loops
    than cores only slow them all down."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    now = now or timezone.now()
    handled: set[int] = set()
    helper: _Helper | None = None
    announced = False
    result = SweepResult()
    try:
        for batch_result, full in _batches(now, batch_size, handled):
            result += batch_result
            if full and helper is None and connection.vendor == "postgresql":
                if not announced:
                    _advisory("pg_advisory_lock_shared")
                    announced = True
                if _alone():
                    helper = _Helper(now, batch_size, handled)
    finally:
        if helper is not None:
            helper.wait()
        if announced and connection.is_usable():
            _advisory("pg_advisory_unlock_shared")
    if helper is not None:
        result += helper.outcome()
    return result


def _batches(
    now: datetime,
    batch_size: int,
    handled: set[int],
    keep_going: Callable[[], bool] = lambda: True,
) -> Iterator[tuple[SweepResult, bool]]:
    """Lock and handle due tickets a batch at a time, each batch in its own transaction;
    yields each batch's result and whether the batch was full. `keep_going` is asked before
    every batch but the first."""
    context = _SweepContext(handled)
    cursor: tuple[datetime, int] | None = None
    while True:
        with transaction.atomic():
            batch, cursor = _lock_batch(now, cursor, batch_size, context)
            if not batch:
                return
            # A re-plan may bring a handled ticket's next check forward again; it waits for
            # the next sweep, so one sweep escalates a ticket at most once.
            todo = [ticket for ticket in batch if ticket.pk not in handled]
            batch_result = _handle_batch(todo, now, context)
        full = len(batch) == batch_size
        yield batch_result, full
        if not full or not keep_going():
            return


# A sweep with more than a batch to do holds this advisory lock, shared, while it runs; the
# holders are the sweeps running (two numbers, as pg_locks shows them).
_SWEEPING = (0x53514D53, 0x5357)


def _advisory(function: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", _SWEEPING)


def _alone() -> bool:
    """Whether this is the only sweep running (asked from any of its connections)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s"
            " AND objid = %s AND objsubid = 2 AND granted",
            _SWEEPING,
        )
        return int(cursor.fetchone()[0]) == 1


class _Helper:
    """A sweep's second loop, in a thread with its own database connection; it stops when
    another sweep starts."""

    def __init__(self, now: datetime, batch_size: int, handled: set[int]) -> None:
        self.result = SweepResult()
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(now, batch_size, handled), name="sla-sweep-helper"
        )
        self._thread.start()

    def _run(self, now: datetime, batch_size: int, handled: set[int]) -> None:
        try:
            for batch_result, _full in _batches(now, batch_size, handled, _alone):
                self.result += batch_result
        except BaseException as error:  # raised in the sweep's own thread by outcome()
            self.error = error
        finally:
            connection.close()  # this thread's connection

    def wait(self) -> None:
        self._thread.join()

    def outcome(self) -> SweepResult:
        if self.error is not None:
            raise self.error
        return self.result


def locking_query(now: datetime, cursor: tuple[datetime, int] | None, size: int) -> Any:
    """One batch of due tickets, locked (skipping rows another sweep holds), in index order
    after `cursor`: the one query each batch starts with (and the benchmark EXPLAINs), and
    all a sweep costs when nothing is due. Rows are read under the lock, so their flags are
    the committed truth that no other sweep can change before this batch commits."""
    queryset = due_tickets(now)
    if cursor is not None:
        # Keyset paging in the index's order: every round moves forward, so a sweep ends even
        # when rows it could not lock (another sweep has them) stay due. A row comparison
        # (Django's composite-key lookup), so both columns bound the index scan.
        queryset = queryset.filter(TupleGreaterThan(Tuple(F("sla_next_check_at"), F("pk")), cursor))
    # No joins: the units, people and policy come from the sweep's cache (attach_related).
    return (
        queryset.only(*_READ)
        .order_by("sla_next_check_at", "pk")
        .select_for_update(skip_locked=True)[:size]
    )


def _lock_batch(
    now: datetime, cursor: tuple[datetime, int] | None, size: int, context: "_SweepContext"
) -> tuple[list[Ticket], tuple[datetime, int] | None]:
    tickets = bulk.load(locking_query(now, cursor, size), _READ)
    if not tickets:
        return [], cursor
    context.attach_related(tickets)
    last = tickets[-1]
    # The range query returns only tickets whose next check is set.
    return tickets, (cast(datetime, last.sla_next_check_at), last.pk)


# --------------------------------------------------------------------------- deciding


@dataclass
class _Due:
    warn: list[str] = field(default_factory=list)
    breach: list[str] = field(default_factory=list)


def _passed(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def what_is_due(ticket: Ticket, now: datetime) -> _Due:
    """Warnings and breaches that have come and are not yet recorded (read under the lock)."""
    due = _Due()
    targets = []
    if ticket.responded_at is None:
        targets.append(
            (
                SlaTarget.RESPONSE,
                ticket.response_warn_at,
                ticket.response_due_at,
                ticket.response_warned,
                ticket.response_breached,
            )
        )
    # Swept tickets are all unresolved (resolved ones left the open states).
    targets.append(
        (
            SlaTarget.RESOLUTION,
            ticket.resolve_warn_at,
            ticket.resolve_due_at,
            ticket.resolve_warned,
            ticket.resolve_breached,
        )
    )
    for target, warn_at, due_at, warned, breached in targets:
        if breached:
            continue
        if _passed(due_at, now):
            due.breach.append(target)  # a late sweep skips the warning the breach supersedes
        elif not warned and _passed(warn_at, now):
            due.warn.append(target)
    return due


def _set_flag(ticket: Ticket, target: str, kind: str) -> None:
    prefix = "response" if target == SlaTarget.RESPONSE else "resolve"
    setattr(ticket, f"{prefix}_{kind}", True)


# --------------------------------------------------------------------------- context


class _SweepContext:
    """What one sweep loads once and reuses across its batches: unit managers by unit, the
    active SLA policies, business calendars by unit."""

    def __init__(self, handled: set[int]) -> None:
        # Shared by the sweep's loops: a ticket one of them handled is skipped by both.
        self.handled = handled
        self._managers: dict[str, list[User]] = {}
        # The active policies, matched in memory when an escalation raises a priority.
        self.policies = sla.PolicyBook()
        self._calendars: dict[str, WorkingCalendar] = {}
        self._users: dict[int, User] = {}
        self._units: dict[int, OrgUnit] = {}
        self._policies_by_id: dict[int, SlaPolicy] = {}
        self._texts: dict[str, _Texts] = {}
        self._url_template: str | None = None

    def attach_related(self, tickets: list[Ticket]) -> None:
        """Give the tickets their units, people and policy, each loaded once per sweep (a
        batch's tickets share few of them; a join would build them again for every row)."""
        wanted_users = {
            pk
            for ticket in tickets
            for pk in (ticket.assignee_id, ticket.first_contact_owner_id)
            if pk is not None and pk not in self._users
        }
        if wanted_users:
            for user in User.objects.filter(pk__in=wanted_users).defer(*_USER_DEFERRED):
                self._users[user.pk] = user
        wanted_units = {
            pk
            for ticket in tickets
            for pk in (ticket.org_unit_id, ticket.handling_department_id)
            if pk is not None and pk not in self._units
        }
        if wanted_units:
            self._units.update(OrgUnit.objects.in_bulk(wanted_units))
        wanted_policies = {
            ticket.sla_policy_id
            for ticket in tickets
            if ticket.sla_policy_id is not None and ticket.sla_policy_id not in self._policies_by_id
        }
        if wanted_policies:
            self._policies_by_id.update(SlaPolicy.objects.in_bulk(wanted_policies))
        for ticket in tickets:
            bulk.attach(
                ticket,
                org_unit=self._units[ticket.org_unit_id],
                first_contact_owner=self._users[ticket.first_contact_owner_id],
                assignee=self._users.get(ticket.assignee_id),  # type: ignore[arg-type]
                handling_department=self._units.get(ticket.handling_department_id),  # type: ignore[arg-type]
                sla_policy=self._policies_by_id.get(ticket.sla_policy_id),  # type: ignore[arg-type]
            )

    # Unit managers: the nearest unit up the tree (the ticket's own first) that has any.
    def load_managers(self, units: Iterable[OrgUnit]) -> None:
        paths = {path for unit in units for path in sla.ancestor_paths(unit)} - set(self._managers)
        if not paths:
            return
        found: dict[str, list[User]] = defaultdict(list)
        users = (
            User.objects.filter(is_active=True, groups__name=MANAGER_ROLE, org_unit__path__in=paths)
            .select_related("org_unit")
            .defer(*_USER_DEFERRED)
            .order_by("pk")
            .distinct()
        )
        for user in users:
            found[user.org_unit.path].append(user)  # type: ignore[union-attr]
        for path in paths:
            self._managers[path] = found.get(path, [])

    def managers_of(self, unit: OrgUnit) -> list[User]:
        for path in reversed(sla.ancestor_paths(unit)):
            if self._managers.get(path):
                return self._managers[path]
        return []

    def load_calendars(self, units: Iterable[OrgUnit]) -> None:
        wanted = {unit.path: unit for unit in units if unit.path not in self._calendars}
        if not wanted:
            return
        paths = {path for unit in wanted.values() for path in sla.ancestor_paths(unit)}
        by_path = {
            calendar.org_unit.path: calendar
            for calendar in BusinessCalendar.objects.filter(org_unit__path__in=paths)
            .select_related("org_unit")
            .prefetch_related("exceptions")
        }
        for path, unit in wanted.items():
            nearest = next(
                (by_path[p] for p in reversed(sla.ancestor_paths(unit)) if p in by_path), None
            )
            self._calendars[path] = _memoised(
                nearest.to_working_calendar()
                if nearest is not None
                else WorkingCalendar(time_zone=unit.time_zone)
            )

    def calendar_of(self, unit: OrgUnit) -> WorkingCalendar:
        return self._calendars[unit.path]

    def texts(self, language: str) -> "_Texts":
        if language not in self._texts:
            self._texts[language] = _Texts(language)
        return self._texts[language]

    def ticket_url(self, ticket: Ticket) -> str:
        """The ticket's page (reversed once per sweep); empty when the UI is not mounted."""
        if self._url_template is None:
            try:
                self._url_template = reverse("ticket_detail", args=[_URL_TOKEN])
            except NoReverseMatch:
                self._url_template = ""
        return self._url_template.replace(str(_URL_TOKEN), str(ticket.pk))


class _DayHours(Mapping[date, tuple[Interval, ...]]):
    """Every day's opening hours of a calendar, worked out on first use and then kept.

    Given to a WorkingCalendar as its `exceptions` (a date's own hours, which override
    everything else), it answers for every date with exactly what the calendar itself would
    say; re-planning a batch then looks up statutory holidays once per day instead of once
    per day per due time per ticket, which otherwise dominates the sweep's time."""

    def __init__(self, base: WorkingCalendar) -> None:
        self._base = base
        self._days: dict[date, tuple[Interval, ...]] = {}

    def __getitem__(self, day: date) -> tuple[Interval, ...]:
        hours = self._days.get(day)
        if hours is None:
            hours = self._days[day] = hours_on(self._base, day)
        return hours

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date)

    def __iter__(self) -> Iterator[date]:
        return iter(self._days)

    def __len__(self) -> int:
        return len(self._days)


def _memoised(calendar: WorkingCalendar) -> WorkingCalendar:
    return dataclasses.replace(calendar, exceptions=_DayHours(calendar))


# --------------------------------------------------------------------------- acting


@dataclass
class _Escalation:
    ticket: Ticket
    targets: list[str]
    before: tuple[Any, ...]
    previous_assignee: User | None
    managers: list[User]
    raised_from: int | None = None
    plan_before: dict[str, Any] = field(default_factory=dict)
    reassigned_to: User | None = None
    previous_department: int | None = None


def _handle_batch(batch: list[Ticket], now: datetime, context: _SweepContext) -> SweepResult:
    result = SweepResult(checked=len(batch))
    decided = [(ticket, what_is_due(ticket, now)) for ticket in batch]
    to_escalate = [ticket for ticket, due in decided if due.breach]
    if to_escalate:
        context.load_managers(ticket.org_unit for ticket in to_escalate)

    warnings: list[tuple[Ticket, list[str]]] = []
    escalations: list[_Escalation] = []
    for ticket, due in decided:
        context.handled.add(ticket.pk)
        if due.warn:
            for target in due.warn:
                _set_flag(ticket, target, "warned")
            warnings.append((ticket, due.warn))
        if due.breach:
            escalations.append(_escalate(ticket, due.breach, context))
    _replan_raised([e for e in escalations if e.raised_from is not None], now, context)

    stamp = timezone.now()
    escalated_tickets: list[Ticket] = []
    checked_tickets: list[Ticket] = []
    for ticket, due in decided:
        ticket.sla_next_check_at = sla.next_check_at(ticket)
        if due.warn or due.breach:
            ticket.updated_at = stamp
        (escalated_tickets if due.breach else checked_tickets).append(ticket)
    bulk.update_columns(Ticket, escalated_tickets, _ESCALATED_UPDATE)
    bulk.update_columns(Ticket, checked_tickets, _CHECKED_UPDATE)

    writer = _Writer(context, stamp)
    for ticket, targets in warnings:
        writer.warning(ticket, targets)
    for escalation in escalations:
        writer.escalation(escalation)
    bulk.copy_rows(TicketEvent, writer.events)
    signals.announce(
        [
            signals.TimelineLine(
                ticket_id=row["ticket_id"],
                event_type=row["event_type"],
                message=row["message"],
                data=row["data"],
            )
            for row in writer.events
        ]
    )
    bulk.copy_rows(Notification, writer.notifications)
    # Last, so the audit chain's head is locked for as short a time as possible.
    _record_audit(escalations, stamp)
    result.warned = len(warnings)
    result.escalated = len(escalations)
    return result


def _escalate(ticket: Ticket, targets: list[str], context: _SweepContext) -> _Escalation:
    escalation = _Escalation(
        ticket=ticket,
        targets=targets,
        before=_audit_values(ticket),
        previous_assignee=ticket.assignee,
        managers=context.managers_of(ticket.org_unit),
    )
    for target in targets:
        _set_flag(ticket, target, "breached")
        _set_flag(ticket, target, "warned")  # a breach makes its warning moot
    ticket.escalation_level += 1
    policy = ticket.sla_policy
    if policy is not None and policy.escalate_raise_priority and ticket.priority > Priority.P1:
        escalation.raised_from = ticket.priority
        escalation.plan_before = _plan_facts(ticket)
        ticket.priority -= 1
    if policy is not None and policy.escalate_to_manager and escalation.managers:
        manager_ids = {manager.pk for manager in escalation.managers}
        if ticket.assignee_id not in manager_ids:
            # The managers found are active unit managers of the ticket's unit or one above
            # it: they may work the ticket and it lies in their scope, which is what
            # assigning to a user requires. The first-contact owner stays as they are.
            manager = escalation.managers[0]
            escalation.previous_department = ticket.handling_department_id
            if ticket.assignee_id is not None or ticket.handling_department_id is not None:
                ticket.reassignment_count += 1
            ticket.assignee = manager
            department = ticket.handling_department
            if department is not None and not manager.org_unit.path.startswith(department.path):  # type: ignore[union-attr]
                # A handling department contains its assignee: the manager's unit takes over.
                ticket.handling_department = manager.org_unit
            escalation.reassigned_to = manager
    return escalation


def _plan_facts(ticket: Ticket) -> dict[str, Any]:
    """What a priority event shows before and after (as the services' priority events do)."""
    return {
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "sla_policy": ticket.sla_policy_id,
        "response_due_at": _iso(ticket.response_due_at),
        "resolve_due_at": _iso(ticket.resolve_due_at),
    }


def _replan_raised(escalations: list[_Escalation], now: datetime, context: _SweepContext) -> None:
    """sla.replan for the tickets whose priority went up, with the policies, calendars and
    pauses loaded per batch rather than per ticket; a breach stays a breach."""
    if not escalations:
        return
    for escalation in escalations:
        escalation.ticket.sla_policy = context.policies.policy_for(escalation.ticket)
    business = [
        e.ticket.org_unit
        for e in escalations
        if e.ticket.sla_policy is not None and e.ticket.sla_policy.business_time
    ]
    context.load_calendars(business)
    pauses = sla.paused_intervals_of([e.ticket.pk for e in escalations])
    for escalation in escalations:
        ticket = escalation.ticket
        breached = (ticket.response_breached, ticket.resolve_breached)
        calendar = (
            context.calendar_of(ticket.org_unit)
            if ticket.sla_policy is not None and ticket.sla_policy.business_time
            else None
        )
        clock = sla.clock_for(ticket, calendar)
        sla.set_due_times(ticket, clock, ticket.created_at or now, pauses.get(ticket.pk, []))
        # As sla.replan: a warning not yet breached stays only if its new time has passed.
        if not breached[0]:
            ticket.response_warned = ticket.response_warned and _passed(
                ticket.response_warn_at, now
            )
        if not breached[1]:
            ticket.resolve_warned = ticket.resolve_warned and _passed(ticket.resolve_warn_at, now)


# --------------------------------------------------------------------------- writing


class _Texts:
    """The sweep's sentences in one language, translated once per sweep rather than per
    ticket and recipient."""

    def __init__(self, language: str) -> None:
        with translation.override(language):
            self.warning = _("Ticket %(number)s is close to its SLA deadline: %(deadlines)s.")
            self.deadline = _("%(target)s due %(due)s")
            self.escalated = _(
                "Ticket %(number)s missed its SLA (%(targets)s) and was escalated to "
                "level %(level)d."
            )
            self.raised = _("Priority raised from P%(old)d to P%(new)d.")
            self.reassigned = _("Reassigned to %(user)s.")
            self.raised_event = _("Priority raised from P%(old)d to P%(new)d by escalation.")
            self.reassigned_event = _("Reassigned to the unit manager %(user)s by escalation.")
            self.targets = {target: str(label) for target, label in TARGET_LABELS.items()}

    def warning_text(self, ticket: Ticket, targets: list[str]) -> str:
        deadlines = "; ".join(
            self.deadline % {"target": self.targets[t], "due": _local(_due_of(ticket, t))}
            for t in targets
        )
        return self.warning % {"number": ticket.number, "deadlines": deadlines}

    def escalation_text(self, escalation: _Escalation) -> str:
        ticket = escalation.ticket
        text = self.escalated % {
            "number": ticket.number,
            "targets": ", ".join(self.targets[t] for t in escalation.targets),
            "level": ticket.escalation_level,
        }
        if escalation.raised_from is not None:
            text += " " + self.raised % {"old": escalation.raised_from, "new": ticket.priority}
        if escalation.reassigned_to is not None:
            text += " " + self.reassigned % {"user": escalation.reassigned_to}
        return text


def _due_of(ticket: Ticket, target: str) -> datetime | None:
    return ticket.response_due_at if target == SlaTarget.RESPONSE else ticket.resolve_due_at


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


_URL_TOKEN = 987654321987


class _Writer:
    """Collects a batch's timeline events and notifications as rows for one bulk insert each.
    Timeline text is stored once, in the site's language (event types are labelled per
    reader, and `data` keeps the facts); notifications are in each recipient's language."""

    def __init__(self, context: _SweepContext, stamp: datetime) -> None:
        self.context = context
        self.stamp = stamp
        self.site = context.texts(settings.LANGUAGE_CODE)
        self.events: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []

    def _event(self, ticket: Ticket, event_type: str, message: str, data: dict[str, Any]) -> None:
        self.events.append(
            {
                "ticket_id": ticket.pk,
                "created_at": self.stamp,
                "actor_id": None,
                "event_type": event_type,
                "from_status": "",
                "to_status": "",
                "message": message,
                "customer_visible": False,
                "data": data,
            }
        )

    def _notify(
        self, recipients: Iterable[User | None], ticket: Ticket, render: Callable[[_Texts], str]
    ) -> None:
        seen: set[int] = set()
        rendered: dict[str, str] = {}
        url = self.context.ticket_url(ticket)
        for user in recipients:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            language = user.language or settings.LANGUAGE_CODE
            if language not in rendered:
                rendered[language] = render(self.context.texts(language))[:_MESSAGE_LENGTH]
            self.notifications.append(
                {
                    "recipient_id": user.pk,
                    "message": rendered[language],
                    "url": url,
                    "object_type": _TICKET_TYPE,
                    "object_id": str(ticket.pk),
                    "created_at": self.stamp,
                    "read_at": None,
                }
            )

    def warning(self, ticket: Ticket, targets: list[str]) -> None:
        self._event(
            ticket,
            EventType.SLA_WARNING,
            self.site.warning_text(ticket, targets),
            {"targets": targets, "due": {t: _iso(_due_of(ticket, t)) for t in targets}},
        )
        # The one handling it; the first-contact owner while nobody is assigned.
        recipient = ticket.assignee or ticket.first_contact_owner
        self._notify([recipient], ticket, lambda texts: texts.warning_text(ticket, targets))

    def escalation(self, escalation: _Escalation) -> None:
        ticket = escalation.ticket
        self._event(
            ticket,
            EventType.ESCALATION,
            self.site.escalation_text(escalation),
            {
                "targets": escalation.targets,
                "level": ticket.escalation_level,
                "managers": [manager.pk for manager in escalation.managers],
            },
        )
        if escalation.raised_from is not None:
            self._event(
                ticket,
                EventType.PRIORITY,
                self.site.raised_event % {"old": escalation.raised_from, "new": ticket.priority},
                {"from": escalation.plan_before, "to": _plan_facts(ticket), "reason": "escalation"},
            )
        if escalation.reassigned_to is not None:
            previous = escalation.previous_assignee
            self._event(
                ticket,
                EventType.ASSIGNMENT,
                self.site.reassigned_event % {"user": escalation.reassigned_to},
                {
                    "from_assignee": previous.pk if previous else None,
                    "to_assignee": escalation.reassigned_to.pk,
                    "from_department": escalation.previous_department,
                    "to_department": ticket.handling_department_id,
                    "reason": "escalation",
                },
            )
        # Who failed to meet it, their managers, and the first-contact owner.
        self._notify(
            [escalation.previous_assignee, *escalation.managers, ticket.first_contact_owner],
            ticket,
            lambda texts: texts.escalation_text(escalation),
        )


_TICKET_TYPE = Ticket._meta.label_lower
_MESSAGE_LENGTH = Notification._meta.get_field("message").max_length or 500

# The audit view of what an escalation changes: these fields are neither personal data nor
# masked, so reading them directly gives what audit.snapshot would. Read as a tuple before
# and after; only the fields that differ are converted.
_audit_values = operator.attrgetter(
    *(Ticket._meta.get_field(name).attname for name in ESCALATION_FIELDS)  # type: ignore[union-attr]
)


def _audit_changes(escalation: "_Escalation") -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    now = _audit_values(escalation.ticket)
    for name, old, new in zip(ESCALATION_FIELDS, escalation.before, now, strict=True):
        if old != new:
            before[name], after[name] = _jsonable(old), _jsonable(new)
    return before, after


def _jsonable(value: Any) -> Any:
    # As audit.snapshot stores them (json.dumps(default=str)), so all ticket entries agree.
    return str(value) if isinstance(value, datetime) else value


def _record_audit(escalations: list[_Escalation], stamp: datetime) -> None:
    """One audit event per escalation, by the system (no actor), appended in one go."""
    rows = []
    for escalation in escalations:
        ticket = escalation.ticket
        before, after = _audit_changes(escalation)
        after["escalation_targets"] = list(escalation.targets)
        rows.append(
            {
                "created_at": stamp,
                "actor_id": None,
                "actor_repr": "",
                "action": str(AuditAction.UPDATE),
                "object_type": _TICKET_TYPE,
                "object_id": str(ticket.pk),
                "object_repr": str(ticket)[:200],
                "org_unit_id": ticket.org_unit_id,
                "ip": None,
                "before": before,
                "after": after,
            }
        )
    audit.append_many(rows, lambda finished: bulk.copy_rows(AuditEvent, finished))
