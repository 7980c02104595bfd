"""`sqms worker`: run background tasks and the periodic-job scheduler (see sqms.core.worker)."""

import logging
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import validate_worker_id

from sqms.core import worker


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 < seconds < 86400:
        raise ArgumentTypeError("must be more than 0 and less than a day")
    return seconds


class Command(BaseCommand):
    help = "Run the background worker: queued tasks and the periodic jobs that are due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=positive_seconds,
            default=1.0,
            help="Seconds to wait between looks at an empty queue (default: 1).",
        )
        parser.add_argument(
            "--schedule-interval",
            type=positive_seconds,
            default=None,
            help="Seconds between heartbeats and scheduler rounds "
            "(default: SQMS_WORKER_HEARTBEAT_SECONDS).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Enqueue the periodic jobs that are due, run every queued task, then exit.",
        )
        parser.add_argument(
            "--queue-name",
            default=worker.ALL_QUEUES,
            help="Queues to process, separated by commas; '*' for all (default).",
        )
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            default=None,
            help="Unique id of this worker (default: hostname:pid).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] == 0:
            logging.getLogger("django_tasks_db").setLevel(logging.CRITICAL)
            logging.getLogger("django.tasks").setLevel(logging.CRITICAL)
        worker.run(
            interval=options["interval"],
            batch=options["batch"],
            queue_names=[name for name in options["queue_name"].split(",") if name],
            worker_id=options["worker_id"],
            schedule_every=options["schedule_interval"],
        )
