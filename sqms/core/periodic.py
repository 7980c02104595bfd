"""The one place apps register periodic jobs; `sqms worker`'s scheduler enqueues them.

Apps call `register(task, every_seconds=N)` from AppConfig.ready(). The scheduler claims each
due run with a conditional UPDATE on PeriodicJobState, so any number of schedulers (several
worker machines) enqueue every run exactly once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.tasks import Task

from sqms.core.models import PeriodicJobState


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Task
    every: timedelta


_jobs: dict[str, PeriodicJob] = {}


def register(task: Task, *, every_seconds: int) -> None:
    """Register at import time (ready()); the registry is fixed once apps are loaded."""
    name = task.module_path
    _jobs[name] = PeriodicJob(name=name, task=task, every=timedelta(seconds=every_seconds))


def registered() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def _claim(job: PeriodicJob, now: datetime) -> bool:
    """Move the job's next run forward if it is due; True if this caller won that run."""
    state = PeriodicJobState.objects.filter(name=job.name).first()
    if state is None:
        try:
            with transaction.atomic():
                PeriodicJobState.objects.create(
                    name=job.name, next_run_at=now + job.every, last_enqueued_at=now
                )
            return True
        except IntegrityError:
            return False
    if state.next_run_at > now:
        return False
    claimed = PeriodicJobState.objects.filter(name=job.name, next_run_at=state.next_run_at).update(
        next_run_at=now + job.every, last_enqueued_at=now
    )
    return claimed == 1


def enqueue_due(now: datetime) -> list[str]:
    """Enqueue every job whose run is due; return the names enqueued."""
    enqueued = []
    for job in registered():
        if _claim(job, now):
            job.task.enqueue()
            enqueued.append(job.name)
    return enqueued
