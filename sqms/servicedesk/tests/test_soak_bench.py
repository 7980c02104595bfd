"""The soak bench (bench/soak.py): a few seconds of the real thing on this suite's database
vendor, and its invariant checks catching what they are there to catch."""

import os
import re
import socket
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from bench._soak_checks import (
    Ledger,
    check_requests_stored_once,
    check_starts,
    check_tickets,
    check_timelines,
)
from sqms.servicedesk import services
from sqms.servicedesk.models import Ticket, TicketEvent
from sqms.servicedesk.transitions import TRANSITIONS

INVARIANTS = 7


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_database() -> tuple[str, str | None]:
    """The soak's --database on this suite's vendor, and the PostgreSQL database to drop."""
    if connection.vendor != "postgresql":
        return "sqlite", None
    url = os.environ["DATABASE_URL"]
    name = f"sqms_bench_soak_{uuid.uuid4().hex[:8]}"
    return f"{url.rsplit('/', 1)[0]}/{name}", name


def test_a_short_soak_runs_every_kind_of_load_and_holds_its_invariants(
    capfd: pytest.CaptureFixture[str],
    bench_template: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench._harness import database_url_for, drop_database

    for variable, value in bench_template.items():
        monkeypatch.setenv(variable, value)
    database, name = bench_database()
    args = ["--duration", "8", "--database", database, "--port", str(free_port())]
    args += ["--halls", "1", "--agents", "3", "--customers", "2", "--managers", "1"]
    args += ["--workers", "2"]
    try:
        call_command("bench", "soak", *args)  # CommandError on a non-zero exit
    finally:
        if name is not None:
            drop_database(database_url_for(database, name)[1], name)
    out = capfd.readouterr().out
    assert "FAIL" not in out, out
    assert len(re.findall(r"^PASS  ", out, re.MULTILINE)) == INVARIANTS, out
    assert re.search(r"^0 errors; all invariants hold$", out, re.MULTILINE), out
    # Every part of the workload ran and was answered (the first steps of each: on a busy
    # machine eight seconds may not take a ticket further round the loop).
    for kind in (
        "api register",
        "api respond",
        "portal submit",
        "portal track",
        "dashboard quality",
        "dashboard service desk",
    ):
        row = re.search(rf"^\| {kind} \| ([\d,]+) \|", out, re.MULTILINE)
        assert row is not None and int(row.group(1).replace(",", "")) > 0, (kind, out)
    stored = re.search(r"no ticket lost or duplicated: (\d+) tickets", out)
    assert stored is not None and int(stored.group(1)) > 0, out


# --- the checks fail when they should -----------------------------------------------------


def _registered(agent: Any, marker: str) -> Ticket:
    return services.register_ticket(
        actor=agent, kind="consultation", channel="phone", title=f"压测 [{marker}]"
    )


def _load() -> tuple[list[Ticket], list[TicketEvent]]:
    return list(Ticket.objects.all()), list(TicketEvent.objects.all())


@pytest.mark.django_db
def test_the_checks_pass_on_a_consistent_history(agent: Any) -> None:
    ledger = Ledger()
    ticket = _registered(agent, "soak-t-a0-1")
    ledger.accepted["soak-t-a0-1"] = ("register", ticket.pk)
    services.respond_to_ticket(ticket, actor=agent, message="[soak-t-a0-2]")
    ledger.accepted["soak-t-a0-2"] = ("respond", ticket.pk)
    services.start_ticket(ticket, actor=agent)
    ledger.starts[ticket.pk] += 1
    ledger.refused.add("soak-t-a0-3")
    tickets, events = _load()
    checks = [
        check_requests_stored_once(ledger, tickets, events),
        check_starts(ledger, events),
        check_tickets(ledger, tickets),
        check_timelines(tickets, events, TRANSITIONS),
    ]
    assert [c.name for c in checks if not c.passed] == []


@pytest.mark.django_db
def test_the_checks_catch_lost_duplicated_and_stray_writes(agent: Any) -> None:
    ledger = Ledger()
    kept = _registered(agent, "soak-t-a0-1")
    ledger.accepted["soak-t-a0-1"] = ("register", kept.pk)
    ledger.accepted["soak-t-a0-2"] = ("register", kept.pk + 1000)  # answered 201, not stored
    _registered(agent, "soak-t-a0-1")  # the same request stored twice
    _registered(agent, "soak-t-a0-9")  # stored although the client was refused
    ledger.refused.add("soak-t-a0-9")
    services.start_ticket(services.respond_to_ticket(kept, actor=agent), actor=agent)
    # (no start in the ledger: one stored that nobody was told about)
    tickets, events = _load()

    stored_once = check_requests_stored_once(ledger, tickets, events)
    assert not stored_once.passed
    assert "missing: register soak-t-a0-2" in stored_once.detail
    assert "duplicated: register soak-t-a0-1 ×2" in stored_once.detail
    assert "refused but stored: soak-t-a0-9" in stored_once.detail
    assert not check_tickets(ledger, tickets).passed
    assert not check_starts(ledger, events).passed


@pytest.mark.django_db
def test_the_timeline_check_catches_a_state_the_timeline_does_not_explain(agent: Any) -> None:
    ticket = _registered(agent, "soak-t-a0-1")
    services.respond_to_ticket(ticket, actor=agent)
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")  # a write behind the services
    tickets, events = _load()
    check = check_timelines(tickets, events, TRANSITIONS)
    assert not check.passed
    assert "timeline ends responded, ticket is closed" in check.detail
