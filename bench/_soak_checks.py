"""The soak bench's invariants, checked against the database after the load (Django set up).

The load tags every write with a unique marker (in a ticket's title, in an action's note or
message) and keeps a ledger of what the server answered: accepted (2xx/3xx), refused (4xx) or
unknown (connection error, timeout, 5xx). Each check returns a Check(name, passed, detail).
"""

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MARKER = re.compile(r"\[(soak-[0-9a-z]+-[0-9a-z]+-\d+)\]")

# Action → the timeline event its accepted request leaves.
EVENT_OF_ACTION = {
    "respond": ("transition", "responded"),
    "claim": ("transition", "responded"),
    "assign": ("assignment", ""),
    "resolve": ("transition", "resolved"),
    "verify": ("transition", "verified"),
    "feedback": ("feedback", ""),
    "close": ("transition", "closed"),
    "comment": ("comment", ""),
    "portal-message": ("customer_message", ""),
}


@dataclass
class Ledger:
    """What the clients sent and what the server answered, by marker."""

    # marker → (what, ticket id or number): registrations and tagged actions answered 2xx/3xx.
    accepted: dict[str, tuple[str, Any]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    # Untagged actions (start has no input): ticket id → accepted count.
    starts: Counter[int] = field(default_factory=Counter)
    unknown_starts: Counter[int] = field(default_factory=Counter)


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


def _sample(items: Iterable[Any], limit: int = 5) -> str:
    listed = list(items)
    more = f" … and {len(listed) - limit} more" if len(listed) > limit else ""
    return ", ".join(str(item) for item in listed[:limit]) + more


def _problems(*findings: tuple[str, list[Any]]) -> list[str]:
    """One "label: a sample" line for each finding that lists anything."""
    return [f"{label}: {_sample(items)}" for label, items in findings if items]


def marker_in(text: str) -> str | None:
    found = MARKER.search(text or "")
    return found.group(1) if found else None


def check_requests_stored_once(ledger: Ledger, tickets: list[Any], events: list[Any]) -> Check:
    """Every accepted write is in the database exactly once, on its ticket; no refused one is."""
    pk_of = {ticket.number: ticket.pk for ticket in tickets}
    by_marker: dict[str, list[tuple[str, Any, Any]]] = defaultdict(list)
    for ticket in tickets:
        marker = marker_in(ticket.title)
        if marker:
            by_marker[marker].append(("ticket", ticket.pk, ticket.number))
    for event in events:
        marker = marker_in(event.message)
        if marker:
            by_marker[marker].append((event.event_type, event.ticket_id, event.to_status))
    missing, duplicated, misplaced, refused_stored = [], [], [], []
    for marker, (what, where) in ledger.accepted.items():
        rows = by_marker.get(marker, [])
        if not rows:
            missing.append(f"{what} {marker}")
            continue
        if len(rows) > 1:
            duplicated.append(f"{what} {marker} ×{len(rows)}")
        kind, ticket_id, extra = rows[0]
        # Where the client says it wrote: a ticket id (API) or a ticket number (portal).
        target = where if isinstance(where, int) else pk_of.get(where)
        if what in ("register", "portal-submit"):
            ok = kind == "ticket" and target == ticket_id
        else:
            event_type, to_status = EVENT_OF_ACTION[what]
            ok = kind == event_type and target == ticket_id and to_status in ("", extra)
        if not ok:
            misplaced.append(f"{what} {marker} stored as {kind} on {ticket_id}")
    for marker in ledger.refused:
        if marker in by_marker:
            refused_stored.append(marker)
    # Rows whose marker no client saw answered at all (neither accepted, refused nor unknown).
    known = ledger.accepted.keys() | ledger.refused | ledger.unknown
    stray = sorted(m for m in by_marker if m not in known)
    problems = _problems(
        ("missing", missing),
        ("duplicated", duplicated),
        ("misplaced", misplaced),
        ("refused but stored", refused_stored),
        ("stored without a request", stray),
    )
    stored_unknown = sum(1 for m in ledger.unknown if m in by_marker)
    detail = "; ".join(problems) or (
        f"{len(ledger.accepted)} accepted writes each stored once, "
        f"{len(ledger.refused)} refused ones not stored"
        + (
            f", {stored_unknown}/{len(ledger.unknown)} unanswered ones stored"
            if ledger.unknown
            else ""
        )
    )
    return Check("every accepted request is stored exactly once", not problems, detail)


def check_starts(ledger: Ledger, events: list[Any]) -> Check:
    """Start has no input to tag: per ticket, accepted starts = start transitions stored."""
    stored: Counter[int] = Counter(
        e.ticket_id
        for e in events
        if e.event_type == "transition"
        and e.to_status == "in_progress"
        and e.from_status in ("responded", "reopened")
    )
    wrong = [
        f"ticket {pk}: {ledger.starts[pk]} accepted, {stored[pk]} stored"
        for pk in set(stored) | set(ledger.starts)
        if not ledger.starts[pk] <= stored[pk] <= ledger.starts[pk] + ledger.unknown_starts[pk]
    ]
    detail = _sample(wrong) if wrong else f"{sum(ledger.starts.values())} starts, each stored once"
    return Check("every accepted start is stored exactly once", not wrong, detail)


def check_tickets(ledger: Ledger, tickets: list[Any]) -> Check:
    """No ticket lost or duplicated: one row per accepted registration, unique numbers, and
    no ticket that no registration explains."""
    registered = {
        m for m, (what, _w) in ledger.accepted.items() if what in ("register", "portal-submit")
    }
    markers = Counter(marker_in(t.title) for t in tickets)
    numbers = Counter(t.number for t in tickets)
    lost = sorted(m for m in registered if markers[m] == 0)
    twice = sorted(m for m, n in markers.items() if m and n > 1)
    same_number = sorted(n for n, count in numbers.items() if count > 1)
    unexplained = [t.number for t in tickets if marker_in(t.title) is None]
    problems = _problems(
        ("lost", lost),
        ("duplicated", twice),
        ("numbers used twice", same_number),
        ("not registered by the load", unexplained),
    )
    detail = "; ".join(problems) or f"{len(tickets)} tickets, {len(registered)} registrations"
    return Check("no ticket lost or duplicated", not problems, detail)


def check_timelines(tickets: list[Any], events: list[Any], transitions: dict[str, Any]) -> Check:
    """Replaying each ticket's recorded transitions from its creation ends in its status, and
    every step is one the state machine allows from the state before it."""
    legal = {(source, target) for sources, target in transitions.values() for source in sources}
    by_ticket: dict[int, list[Any]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.pk):
        if event.to_status:
            by_ticket[event.ticket_id].append(event)
    problems = []
    for ticket in tickets:
        steps = by_ticket.get(ticket.pk, [])
        if not steps or steps[0].event_type != "created" or steps[0].to_status != "new":
            problems.append(f"{ticket.number}: the timeline does not start with its creation")
            continue
        state = "new"
        for step in steps[1:]:
            if step.from_status == step.to_status:
                continue  # a line that records the state (a review), not a move
            if step.from_status != state or (step.from_status, step.to_status) not in legal:
                problems.append(
                    f"{ticket.number}: {step.from_status}→{step.to_status} while {state}"
                )
                break
            state = step.to_status
        else:
            if state != ticket.status:
                problems.append(
                    f"{ticket.number}: timeline ends {state}, ticket is {ticket.status}"
                )
    detail = _sample(problems) if problems else f"{len(tickets)} timelines replayed"
    return Check("every timeline replays to its ticket's state", not problems, detail)


def check_audit_chain() -> Check:
    from sqms.core import audit

    count, problem = audit.verify_chain()
    detail = f"{count} events verified" if problem is None else problem.message
    return Check("the audit chain verifies", problem is None, detail)


def check_rollups(days: list[datetime.date]) -> Check:
    """After one more upkeep round (as the worker runs it), every indicator of each day, for
    the whole organisation and for each unit with tickets, equals the raw computation."""
    from sqms.core.models import OrgUnit
    from sqms.quality import rollups
    from sqms.quality.indicators import SliceFilter, grouped_measures, values_for
    from sqms.quality.periods import Period
    from sqms.quality.sources import local_zone
    from sqms.quality.verification import differences, direct_values
    from sqms.servicedesk.models import CounterVisit, Ticket

    rollups.upkeep()
    zone = local_zone()
    tickets = list(Ticket.objects.select_related("org_unit"))
    visits = list(CounterVisit.objects.select_related("org_unit"))
    units = [None, *OrgUnit.objects.filter(pk__in={t.org_unit_id for t in tickets})]
    problems = []
    compared = 0
    for day in days:
        for unit in units:

            def inside(record: Any, unit: Any = unit) -> bool:
                return unit is None or record.org_unit.path.startswith(unit.path)

            created = [
                t for t in tickets if t.created_at.astimezone(zone).date() == day and inside(t)
            ]
            due = [
                t
                for t in tickets
                if t.resolve_due_at is not None
                and t.resolve_due_at.astimezone(zone).date() == day
                and inside(t)
            ]
            arrived = [
                v for v in visits if v.arrived_at.astimezone(zone).date() == day and inside(v)
            ]
            rolled = values_for(grouped_measures(Period(day, day), SliceFilter(unit=unit))[None])
            for difference in differences(rolled, direct_values(created, arrived, due)):
                problems.append(f"{day} {unit.code if unit else 'all'}: {difference}")
            compared += 1
    detail = _sample(problems) if problems else f"{compared} (day, unit) slices agree"
    return Check("rollups equal the raw computation", not problems, detail)


def check_background_tasks() -> Check:
    from django_tasks_db.models import DBTaskResult

    failed = list(
        DBTaskResult.objects.filter(status="FAILED").values_list(
            "task_path", "exception_class_path"
        )
    )
    done = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
    detail = _sample(f"{path}: {error}" for path, error in failed) if failed else f"{done} ran"
    return Check("no background task failed", not failed, detail)


def run_all(ledger: Ledger, days: list[datetime.date]) -> list[Check]:
    from sqms.servicedesk.models import Ticket, TicketEvent
    from sqms.servicedesk.transitions import TRANSITIONS

    tickets = list(Ticket.objects.only("pk", "number", "title", "status"))
    events = list(
        TicketEvent.objects.only(
            "pk", "ticket_id", "event_type", "from_status", "to_status", "message"
        )
    )
    return [
        check_requests_stored_once(ledger, tickets, events),
        check_starts(ledger, events),
        check_tickets(ledger, tickets),
        check_timelines(tickets, events, TRANSITIONS),
        check_audit_chain(),
        check_rollups(days),
        check_background_tasks(),
    ]
