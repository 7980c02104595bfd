"""Faults around the rollups: `sqms rollups rebuild` killed in the middle, then resumed."""

import datetime
from typing import Any

from sqms.core.tests.processes import wait_until
from sqms.quality import rollups
from sqms.quality.models import DailyFact, RollupState, UnitDayFact
from sqms.quality.tests.conftest import local, raw_ticket, raw_visit
from sqms.servicedesk.models import Ticket

FIRST = datetime.date(2025, 6, 1)
DAYS = 60  # one chunk a day: many small transactions, so the kill lands between them


def _rows(model: Any) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return sorted(model.objects.values_list(*fields), key=repr)


def test_a_rebuild_killed_midway_resumes_and_equals_a_full_rebuild(shared_db, org, make_user):
    clerks = [make_user("agent", unit=org.hall1), make_user("agent", unit=org.hall2)]
    units = [org.hall1, org.counter1, org.hall2]
    for offset in range(0, DAYS, 2):
        day = FIRST + datetime.timedelta(days=offset)
        raw_ticket(units[offset % 3], clerks[offset % 2], local(day, 9), response=offset % 7)
        raw_ticket(units[(offset + 1) % 3], clerks[0], local(day, 23), resolve=offset % 50)
        raw_visit(units[offset % 3], clerks[1], local(day, 11), wait_seconds=offset * 3)
    # Rollups built, then the records change: the killed rebuild has half corrected them.
    rollups.rebuild(restart=True)
    Ticket.objects.update(response_minutes=5, kind="complaint")
    shared_db.push()

    child = shared_db.start("rollups", "rebuild", "--restart", "--chunk-days", "1")
    cursor = "SELECT cursor FROM quality_rollupstate WHERE name = %s AND running = %s"
    try:
        wait_until(
            lambda: str(shared_db.scalar(cursor, "rebuild", True) or "") > str(FIRST),
            120,
            "the first chunk's commit",
            child=child,
        )
        shared_db.kill_midway(child, "quality_dailyfact")
    finally:
        if child.poll() is None:
            child.kill()
    shared_db.pull()
    state = RollupState.objects.get(name="rebuild")
    stopped_at, last = state.cursor, state.until
    assert stopped_at is not None and last is not None
    assert state.running and FIRST < stopped_at <= last, stopped_at

    resumed = shared_db.run("rollups", "rebuild", "--chunk-days", "1")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    # It went on from where it stopped instead of starting over.
    first_line = resumed.stdout.splitlines()[0]
    assert f"up to {stopped_at.isoformat()}" in first_line, first_line
    shared_db.pull()
    state = RollupState.objects.get(name="rebuild")
    assert not state.running and state.cursor == last + datetime.timedelta(days=1)
    daily, unit_days = _rows(DailyFact), _rows(UnitDayFact)
    processed = state.processed

    full = rollups.rebuild(restart=True)
    assert _rows(DailyFact) == daily
    assert _rows(UnitDayFact) == unit_days
    # The progress count covers the whole rebuild, not only the part after the restart.
    assert processed == full == DailyFact.objects.count()
