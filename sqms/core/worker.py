"""`sqms worker`: django-tasks-db's worker loop plus the scheduler of periodic jobs.

The scheduler writes this worker's heartbeat (read by /healthz) and enqueues the periodic jobs
that are due; the queue itself is django-tasks-db's, run by its own Worker class.

The worker loop runs in the main thread and the scheduler in a daemon thread. Python delivers
signals to the main thread only, and db_worker's graceful shutdown lives in its signal handler
(first SIGINT/SIGTERM: finish the current task, or leave at once when idle; a second signal
abandons the task and marks it failed). Keeping the loop in the main thread keeps exactly those
semantics; the scheduler only does short database writes and stops cooperatively on an Event.
"""

import logging
import os
import socket
import threading
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from sqms.core import periodic
from sqms.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

ALL_QUEUES = "*"


def default_worker_id() -> str:
    """hostname:pid, short enough for django-tasks-db's 64-character worker ids."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}"


class Scheduler:
    """Beats the heartbeat and enqueues due periodic jobs every `every` seconds."""

    def __init__(self, worker_id: str, *, every: float) -> None:
        self.worker_id = worker_id
        self.every = every
        self.started_at = timezone.now()
        self._stop = threading.Event()

    def beat(self, now: datetime) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": now},
            create_defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": now,
            },
        )

    def tick(self, now: datetime | None = None) -> list[str]:
        """One round: heartbeat, then enqueue what is due. Returns the jobs enqueued."""
        now = now or timezone.now()
        self.beat(now)
        enqueued = periodic.enqueue_due(now)
        for name in enqueued:
            logger.info("Enqueued periodic job %s", name)
        return enqueued

    def forget(self) -> None:
        """Remove the heartbeat, so /healthz stops counting this worker at once."""
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.exception("Could not remove the heartbeat of %s", self.worker_id)

    def run(self) -> None:
        """The scheduler thread's loop, until stop()."""
        try:
            while not self._stop.is_set():
                close_old_connections()
                try:
                    self.tick()
                except Exception:
                    # Keep beating: one failed round (database restarting, a job's enqueue
                    # failing) must not silently end scheduling for the worker's lifetime.
                    logger.exception("Scheduler round failed")
                self._stop.wait(self.every)
        finally:
            # Database connections are per thread; close this thread's own.
            connections.close_all()

    def stop(self) -> None:
        self._stop.set()


def run(
    *,
    interval: float = 1.0,
    batch: bool = False,
    queue_names: list[str] | None = None,
    worker_id: str | None = None,
    schedule_every: float | None = None,
) -> None:
    """Run the worker until a signal stops it, or with `batch` until the queue is empty.

    `batch` runs one scheduler round first, so what is due gets enqueued and then processed.
    """
    worker_id = worker_id or default_worker_id()
    every = schedule_every or settings.SQMS_WORKER_HEARTBEAT_SECONDS
    scheduler = Scheduler(worker_id, every=every)
    worker = Worker(
        queue_names=queue_names or [ALL_QUEUES],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    if batch:
        try:
            scheduler.tick()
            worker.run()
        finally:
            scheduler.forget()
        return

    thread = threading.Thread(target=scheduler.run, name="sqms-scheduler", daemon=True)
    worker.configure_signals()
    thread.start()
    try:
        # Returns, or raises SystemExit from db_worker's signal handler when it stops.
        worker.run()
    finally:
        scheduler.stop()
        thread.join(timeout=max(every, 5.0))
        scheduler.forget()
        logger.info("Worker %s stopped", worker_id)
