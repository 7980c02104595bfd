"""Rollups equal a direct computation over the raw records (hypothesis), and their upkeep."""

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqms.quality import rollups
from sqms.quality.catalogue import BY_CODE
from sqms.quality.indicators import (
    SliceFilter,
    grouped_measures,
    unit_table,
    values_for,
    whole_months,
)
from sqms.quality.models import DailyFact, RollupState, UnitDayFact, UnitMonthFact
from sqms.quality.periods import Period
from sqms.quality.tests.conftest import ZONE, local, raw_ticket, raw_visit
from sqms.quality.verification import differences, direct_values
from sqms.servicedesk.models import CounterVisit, Ticket

BASE = datetime.date(2026, 3, 1)
MARCH_END = datetime.date(2026, 3, 31)
KINDS = ["consultation", "business", "complaint", "fault"]
CHANNELS = ["counter", "phone", "web"]

# Limits (3 and 20 minutes) and histogram edges, where off-by-one mistakes show.
EDGY = [None, None, 0, 1, 2, 3, 4, 19, 20, 21, 29, 30, 59, 60, 61, 2879, 2880]

ticket_spec = st.fixed_dictionaries(
    {
        "unit": st.integers(0, 3),
        "day": st.integers(0, 9),
        # 23:30 local is the previous UTC day: local-day bucketing is exercised.
        "hour": st.sampled_from([0, 7, 10, 23]),
        "kind": st.sampled_from(KINDS),
        "channel": st.sampled_from(CHANNELS),
        "category": st.one_of(st.none(), st.integers(0, 2)),
        "owner": st.integers(0, 1),
        "resolver": st.integers(0, 1),
        # Mostly near the limits (3, 20 minutes) and bucket edges, sometimes far out.
        "response": st.one_of(st.sampled_from(EDGY), st.integers(0, 3000)),
        "resolve": st.one_of(st.sampled_from(EDGY), st.integers(0, 3000)),
        "response_due": st.integers(1, 10),
        "resolve_due": st.integers(10, 2000),
        "service_error": st.booleans(),
        "reopen_count": st.sampled_from([0, 0, 1, 2]),
        "reassignment_count": st.sampled_from([0, 0, 1]),
        "closed": st.booleans(),
    }
)
visit_spec = st.tuples(
    st.integers(0, 3), st.integers(0, 9), st.one_of(st.none(), st.integers(0, 3600))
)
slice_spec = st.fixed_dictionaries(
    {
        "unit": st.integers(0, 4),  # 4: no unit filter
        "start": st.integers(0, 9),
        "length": st.integers(1, 10),
        # Mostly unfiltered, so that slices usually hold records.
        "kind": st.sampled_from(["", "", "", *KINDS]),
        "channel": st.sampled_from(["", "", "", *CHANNELS]),
        "staff": st.sampled_from([None, None, None, 0, 1]),
        "category": st.sampled_from([None, None, None, 0, 1, 2]),
    }
)


def _units(org: Any) -> list[Any]:
    return [org.hall1, org.counter1, org.call_centre, org.hall2]


def _make_history(
    org: Any, staff: list[Any], categories: list[Any], specs: list[dict], visits: list[tuple]
) -> None:
    units = _units(org)
    for spec in specs:
        created = local(BASE + datetime.timedelta(days=spec["day"]), spec["hour"], 30)
        resolver = staff[spec["resolver"]] if spec["resolve"] is not None else None
        ticket = raw_ticket(
            units[spec["unit"]],
            staff[spec["owner"]],
            created,
            kind=spec["kind"],
            channel=spec["channel"],
            category=None if spec["category"] is None else categories[spec["category"]],
            response=spec["response"],
            resolve=spec["resolve"],
            response_due=spec["response_due"],
            resolve_due=spec["resolve_due"],
            service_error=spec["service_error"],
            reopen_count=spec["reopen_count"],
            reassignment_count=spec["reassignment_count"],
        )
        changes: dict[str, Any] = {}
        if resolver is not None:
            changes["resolved_by"] = resolver
        if spec["closed"]:
            changes["closed_at"] = created + datetime.timedelta(days=3)
        if changes:
            Ticket.objects.filter(pk=ticket.pk).update(**changes)
    for unit_index, day, wait in visits:
        raw_visit(units[unit_index], staff[0], local(BASE + datetime.timedelta(days=day), 9), wait)


def _in_slice(t: Any, unit: Any, filt: Any, category: Any, staff_member: Any) -> bool:
    return (
        (unit is None or t.org_unit.path.startswith(unit.path))
        and (not filt.kind or t.kind == filt.kind)
        and (not filt.channel or t.channel == filt.channel)
        and (category is None or t.category_id == category.pk)
        and (
            staff_member is None
            or (t.resolved_by_id or t.assignee_id or t.first_contact_owner_id) == staff_member.pk
        )
    )


def _check(rolled: dict[str, Any], direct: dict[str, Any]) -> None:
    assert differences(rolled, direct) == []


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(ticket_spec, min_size=5, max_size=40),
    visits=st.lists(visit_spec, max_size=6),
    slices=st.lists(slice_spec, min_size=1, max_size=3),
    incremental=st.booleans(),
)
def test_rollups_equal_direct_computation(
    org: Any,
    make_user: Any,
    categories: list[Any],
    specs: list[dict],
    visits: list[tuple],
    slices: list[dict],
    incremental: bool,
) -> None:
    Ticket.objects.all().delete()
    CounterVisit.objects.all().delete()
    DailyFact.objects.all().delete()
    UnitDayFact.objects.all().delete()
    UnitMonthFact.objects.all().delete()
    RollupState.objects.all().delete()
    staff = [make_user("agent", unit=org.hall1), make_user("agent", unit=org.hall2)]
    if incremental:
        rollups.rebuild(restart=True)  # empty; then upkeep must pick everything up
        RollupState.objects.filter(name="upkeep").update(
            watermark=datetime.datetime(2000, 1, 1, tzinfo=ZONE)
        )
        _make_history(org, staff, categories, specs, visits)
        rollups.upkeep()
    else:
        _make_history(org, staff, categories, specs, visits)
        rollups.rebuild(restart=True, chunk_days=3)
    units = [*_units(org), None]
    everything = {"unit": 4, "start": 0, "length": 10, "kind": "", "channel": ""}
    for sl in [{**everything, "staff": None, "category": None}, *slices]:
        start = BASE + datetime.timedelta(days=sl["start"])
        period = Period(start, start + datetime.timedelta(days=sl["length"] - 1))
        unit = units[sl["unit"]]
        category = None if sl["category"] is None else categories[sl["category"]]
        staff_member = None if sl["staff"] is None else staff[sl["staff"]]
        filt = SliceFilter(
            unit=unit,
            staff_id=staff_member.pk if staff_member else None,
            channel=sl["channel"],
            kind=sl["kind"],
            category_id=category.pk if category else None,
        )
        rolled = values_for(grouped_measures(period, filt)[None])
        _check(rolled, _direct(period, unit, filt, category, staff_member))
    # Whole months read UnitMonthFact: March (all the history) and February to March.
    for months in (Period(BASE, MARCH_END), Period(datetime.date(2026, 2, 1), MARCH_END)):
        assert whole_months(months)
        for unit in units:
            filt = SliceFilter(unit=unit)
            rolled = values_for(grouped_measures(months, filt)[None])
            _check(rolled, _direct(months, unit, filt, None, None))


def _direct(period: Period, unit: Any, filt: SliceFilter, category: Any, staff_member: Any) -> Any:
    """The indicators of the slice computed from the raw records."""
    due = [
        t
        for t in Ticket.objects.all()
        if t.resolve_due_at is not None
        and period.start <= t.resolve_due_at.astimezone(ZONE).date() <= period.end
        and _in_slice(t, unit, filt, category, staff_member)
    ]
    tickets = [
        t
        for t in Ticket.objects.all()
        if period.start <= t.created_at.astimezone(ZONE).date() <= period.end
        and _in_slice(t, unit, filt, category, staff_member)
    ]
    all_visits = [
        v
        for v in CounterVisit.objects.all()
        if period.start <= v.arrived_at.astimezone(ZONE).date() <= period.end
        and (unit is None or v.org_unit.path.startswith(unit.path))
        and (staff_member is None or v.served_by_id == staff_member.pk)
    ]
    # Visits belong to the counter channel and to no kind or problem type.
    if filt.kind or filt.category_id or (filt.channel and filt.channel != "counter"):
        all_visits = []
    return direct_values(tickets, all_visits, due)


@pytest.mark.django_db
def test_survey_and_inspection_indicators_read_their_apps(org: Any) -> None:
    # The surveys and inspections apps register their sources; with no records yet their
    # indicators have no data (rather than no source).
    values = values_for(grouped_measures(Period(BASE, BASE))[None])
    for code in ("csat", "nps", "inspection_score"):
        assert values[code].state == "no_data"
        assert values[code].value is None
    assert values["sla_rate"].state == "no_data"
    assert BY_CODE["csat"].seed_target == (90, 85, False)


@pytest.mark.django_db
def test_upkeep_recomputes_changed_days_only_and_moves_the_watermark(
    org: Any, make_user: Any
) -> None:
    clerk = make_user("agent", unit=org.hall1)
    day1, day2 = BASE, BASE + datetime.timedelta(days=1)
    first = raw_ticket(org.hall1, clerk, local(day1), response=2)
    raw_ticket(org.hall1, clerk, local(day2), response=8)
    Ticket.objects.update(updated_at=local(day2, 12))
    rollups.rebuild(restart=True)
    state = RollupState.objects.get(name="upkeep")
    assert state.watermark is not None
    total = grouped_measures(Period(day1, day2), SliceFilter(unit=org.branch1))[None]
    assert total["tickets"] == 2 and total["response_minutes"] == 10

    # A later change of the first ticket: only its day is recomputed.
    Ticket.objects.filter(pk=first.pk).update(response_minutes=5)
    Ticket.objects.filter(pk=first.pk).update(
        updated_at=state.watermark + datetime.timedelta(minutes=5)
    )
    day2_rows = list(UnitDayFact.objects.filter(day=day2).values_list("pk", flat=True))
    result = rollups.upkeep(now=state.watermark + datetime.timedelta(minutes=10))
    assert result.keys == 1
    assert list(UnitDayFact.objects.filter(day=day2).values_list("pk", flat=True)) == day2_rows
    total = grouped_measures(Period(day1, day2), SliceFilter(unit=org.branch1))[None]
    assert total["response_minutes"] == 13
    # Idempotent: running again with nothing changed recomputes nothing new and agrees.
    again = rollups.upkeep(now=state.watermark + datetime.timedelta(hours=1))
    assert again.keys == 0
    assert grouped_measures(Period(day1, day2))[None]["response_minutes"] == 13


@pytest.mark.django_db
def test_first_upkeep_without_rollups_rebuilds_everything(org: Any, make_user: Any) -> None:
    clerk = make_user("agent", unit=org.hall1)
    raw_ticket(org.hall1, clerk, local(BASE), response=2)
    result = rollups.upkeep()
    assert result.keys == -1
    assert grouped_measures(Period(BASE, BASE))[None]["tickets"] == 1


@pytest.mark.django_db
def test_rebuild_is_resumable_and_reports_progress(org: Any, make_user: Any) -> None:
    clerk = make_user("agent", unit=org.hall1)
    for offset in range(10):
        raw_ticket(org.hall1, clerk, local(BASE + datetime.timedelta(days=offset)), response=offset)
    seen: list[tuple] = []

    class Stop(Exception):
        pass

    def stop_after_first(first: Any, done: Any, until: Any, rows: int) -> None:
        seen.append((done, until))
        raise Stop

    with pytest.raises(Stop):
        rollups.rebuild(restart=True, chunk_days=4, progress=stop_after_first)
    state = RollupState.objects.get(name="rebuild")
    assert state.running and state.cursor == BASE + datetime.timedelta(days=4)
    assert DailyFact.objects.count() == 4
    # Resuming continues at the cursor rather than starting over.
    progress: list[tuple] = []
    rollups.rebuild(chunk_days=4, progress=lambda *a: progress.append(a))
    assert [p[1] for p in progress] == [
        BASE + datetime.timedelta(days=7),
        BASE + datetime.timedelta(days=9),
    ]
    assert DailyFact.objects.count() == 10
    assert not RollupState.objects.get(name="rebuild").running
    assert grouped_measures(Period(BASE, BASE + datetime.timedelta(days=9)))[None]["tickets"] == 10


@pytest.mark.django_db
def test_unit_table_sums_each_unit_subtree_with_one_query(
    org: Any, make_user: Any, django_assert_num_queries: Any
) -> None:
    clerk = make_user("agent", unit=org.hall1)
    raw_ticket(org.hall1, clerk, local(BASE), response=2)
    raw_ticket(org.counter1, clerk, local(BASE), response=4)
    raw_ticket(org.hall2, clerk, local(BASE), response=6)
    rollups.rebuild(restart=True)
    units = [org.hq, org.branch1, org.hall1, org.counter1, org.branch2]
    with django_assert_num_queries(2):  # the grouped sums, and the units' paths
        rows = unit_table(Period(BASE, BASE), None, units)
    tickets = {row.unit.code: row.measures["tickets"] for row in rows}
    assert tickets == {"HQ": 3, "BR1": 2, "H1": 2, "C1": 1, "BR2": 1}
    assert rows[1].values["avg_response_minutes"].value == 3
    # A unit's children (one depth) are summed per subtree by the database: one query.
    with django_assert_num_queries(1):
        children = unit_table(Period(BASE, BASE), org.hq, [org.branch1, org.branch2])
    assert [(row.unit.code, row.measures["tickets"]) for row in children] == [
        ("BR1", 2),
        ("BR2", 1),
    ]
    assert children[0].values["avg_response_minutes"].value == 3


@pytest.mark.django_db
def test_limits_are_inclusive(org: Any, make_user: Any) -> None:
    """20 minutes is on time for business, and a response at its due time is on time."""
    clerk = make_user("agent", unit=org.hall1)
    raw_ticket(
        org.hall1, clerk, local(BASE), kind="business", resolve=20, response=3, response_due=3
    )
    raw_ticket(
        org.hall1, clerk, local(BASE), kind="business", resolve=21, response=4, response_due=3
    )
    rollups.rebuild(restart=True)
    values = values_for(grouped_measures(Period(BASE, BASE))[None])
    assert values["business_ontime_rate"].value == 50
    assert values["response_ontime_rate"].value == 50
    assert values["avg_handling_minutes"].value == 20.5


@pytest.mark.django_db
def test_rollups_command_and_periodic_job(org: Any, make_user: Any) -> None:
    import io

    from django.core.management import call_command

    from sqms.core import periodic
    from sqms.quality import tasks

    clerk = make_user("agent", unit=org.hall1)
    raw_ticket(org.hall1, clerk, local(BASE), response=2)
    raw_ticket(org.hall1, clerk, local(BASE + datetime.timedelta(days=20)), response=4)
    out = io.StringIO()
    call_command("rollups", "rebuild", "--restart", "--chunk-days", "7", stdout=out)
    text = out.getvalue()
    assert "100.0%" in text and "rebuilt: 2 rows" in text
    assert text.count("%") >= 3  # progress after each chunk
    out = io.StringIO()
    call_command("rollups", "upkeep", stdout=out)
    assert "upkeep:" in out.getvalue()
    assert "sqms.quality.tasks.quality_upkeep" in {job.name for job in periodic.registered()}
    result = tasks.quality_upkeep.call()
    assert result["alerts"] == 0


def _upkeep_in_thread(barrier: Any, out: list[Any]) -> None:
    from django.db import connections

    try:
        barrier.wait(timeout=30)
        out.append(rollups.upkeep())
    except BaseException as error:  # reported by the test's thread
        out.append(error)
    finally:
        connections.close_all()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_upkeeps_take_turns_and_agree_with_a_rebuild(org: Any, make_user: Any) -> None:
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two writers at once (SQLite's test database has one)")
    clerk = make_user("agent", unit=org.hall1)
    for offset in range(6):
        raw_ticket(org.hall1, clerk, local(BASE + datetime.timedelta(days=offset)), response=offset)
    rollups.rebuild(restart=True)
    # Changes after the rebuild, picked up by four upkeeps racing each other.
    Ticket.objects.update(response_minutes=7)
    barrier, results = threading.Barrier(4), list[Any]()
    threads = [
        threading.Thread(target=_upkeep_in_thread, args=(barrier, results)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    after = grouped_measures(Period(BASE, BASE + datetime.timedelta(days=5)))[None]
    assert after["response_minutes"] == 42 and after["tickets"] == 6
    assert DailyFact.objects.count() == 6  # no key doubled by two runs at once
    rollups.rebuild(restart=True)
    assert grouped_measures(Period(BASE, BASE + datetime.timedelta(days=5)))[None] == after
    # The full rebuild, outside a transaction, left the rollup tables vacuumed and analysed.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL AND"
            " last_analyze IS NOT NULL AND relname IN"
            " ('quality_dailyfact', 'quality_unitdayfact', 'quality_unitmonthfact')"
        )
        assert cursor.fetchone() == (3,)
