"""The worker's scheduler: heartbeats, each periodic run enqueued once, /healthz, batch runs."""

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sqms.core import periodic, tasks
from sqms.core.models import PeriodicJobState, WorkerHeartbeat
from sqms.core.worker import Scheduler, default_worker_id

PRUNE = tasks.prune_finished_tasks.module_path
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def prune_results() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=PRUNE).order_by("enqueued_at"))


def test_prune_is_a_registered_periodic_job():
    assert PRUNE in [job.name for job in periodic.registered()]


def prune_in(names: list[str]) -> list[str]:
    """The prune job among what a tick enqueued (other apps register jobs of their own)."""
    return [name for name in names if name == PRUNE]


def test_worker_id_is_host_and_pid():
    host, pid = default_worker_id().rsplit(":", 1)
    assert host and int(pid) > 0 and len(default_worker_id()) <= 64


@pytest.mark.django_db
def test_tick_writes_and_refreshes_the_heartbeat():
    scheduler = Scheduler("host-a:1", every=5)
    scheduler.tick(NOW)
    beat = WorkerHeartbeat.objects.get()
    assert (beat.worker_id, beat.seen_at, beat.started_at) == (
        "host-a:1",
        NOW,
        scheduler.started_at,
    )
    scheduler.tick(NOW + timedelta(seconds=5))
    beat.refresh_from_db()
    assert beat.seen_at == NOW + timedelta(seconds=5)
    assert beat.started_at == scheduler.started_at
    scheduler.forget()
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_each_run_is_enqueued_once_by_two_schedulers_in_a_row():
    first, second = Scheduler("host-a:1", every=5), Scheduler("host-b:2", every=5)
    assert prune_in(first.tick(NOW)) == [PRUNE]
    assert prune_in(second.tick(NOW)) == []
    assert prune_in(first.tick(NOW + timedelta(minutes=59))) == []
    assert len(prune_results()) == 1
    # The next run falls due an hour later; again only one scheduler wins it.
    assert prune_in(second.tick(NOW + timedelta(hours=1))) == [PRUNE]
    assert prune_in(first.tick(NOW + timedelta(hours=1))) == []
    assert len(prune_results()) == 2
    state = PeriodicJobState.objects.get(name=PRUNE)
    assert state.next_run_at == NOW + timedelta(hours=2)


def _race(now: datetime, barrier: threading.Barrier, out: list[str]) -> None:
    try:
        barrier.wait()
        out.extend(periodic.enqueue_due(now))
    finally:
        connections.close_all()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_enqueue_each_run_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: the in-memory SQLite test database's shared-cache table locks "
            "fail at once instead of waiting, so two threads cannot write it concurrently"
        )
    for round_number in range(10):
        now = NOW + timedelta(hours=round_number)
        barrier, enqueued = threading.Barrier(4), list[str]()
        threads = [threading.Thread(target=_race, args=(now, barrier, enqueued)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Round 0 races on creating the state row, later rounds on the conditional update.
        assert prune_in(enqueued) == [PRUNE], f"round {round_number}"
    assert len(prune_results()) == 10


@pytest.mark.django_db
def test_healthz_needs_a_fresh_heartbeat(client, settings):
    settings.SQMS_WORKER_HEARTBEAT_SECONDS = 10
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "database": True,
        "worker": False,
        "worker_seen_at": None,
        "ok": False,
    }

    Scheduler("host-a:1", every=10).beat(timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["ok"] is True

    # Three missed beats make it stale.
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=31))
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db(transaction=True)
def test_batch_worker_runs_the_due_prune_job():
    call_command("worker", "--batch", verbosity=0)
    (first,) = prune_results()
    assert first.status == "SUCCESSFUL" and first.return_value == 0
    assert len(first.worker_ids) == 1 and first.worker_ids[0].endswith(":" + str(os.getpid()))
    assert not WorkerHeartbeat.objects.exists(), "a stopped worker leaves no heartbeat"

    # Not due again yet: a second batch run enqueues and runs nothing.
    call_command("worker", "--batch", verbosity=0)
    assert len(prune_results()) == 1

    # A week and a day later the first result is old enough to be pruned by the next run.
    DBTaskResult.objects.filter(id=first.id).update(finished_at=timezone.now() - timedelta(days=8))
    PeriodicJobState.objects.filter(name=PRUNE).update(next_run_at=timezone.now())
    call_command("worker", "--batch", verbosity=0)
    (second,) = prune_results()
    assert second.id != first.id
    assert second.status == "SUCCESSFUL" and second.return_value == 1


@pytest.mark.django_db(transaction=True)
def test_scheduler_thread_beats_until_stopped():
    scheduler = Scheduler("host-t:1", every=0.05)
    thread = threading.Thread(target=scheduler.run)
    thread.start()
    try:
        deadline = timezone.now() + timedelta(seconds=10)
        while not WorkerHeartbeat.objects.filter(worker_id="host-t:1").exists():
            assert timezone.now() < deadline, "no heartbeat within 10 s"
            threading.Event().wait(0.05)
    finally:
        scheduler.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(prune_results()) == 1
