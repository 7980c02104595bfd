"""`sqms rollups rebuild` (full, resumable, with progress) and `sqms rollups upkeep`."""

import datetime
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sqms.quality import rollups


class Command(BaseCommand):
    help = "Rebuild or bring up to date the quality rollups."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Recompute every rollup row (resumable).")
        rebuild.add_argument(
            "--restart", action="store_true", help="Start over instead of resuming."
        )
        rebuild.add_argument("--chunk-days", type=int, default=rollups.REBUILD_CHUNK_DAYS)
        sub.add_parser("upkeep", help="Recompute the days of records changed since the last run.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["action"] == "upkeep":
            result = rollups.upkeep()
            self.stdout.write(f"upkeep: {result.keys} keys, {result.rows} rows")
            return

        def progress(
            first: datetime.date, done: datetime.date, until: datetime.date, rows: int
        ) -> None:
            total = (until - first).days + 1
            share = 100 * ((done - first).days + 1) / total
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"{share:5.1f}%  up to {done.isoformat()}  {rows} rows  {elapsed:.1f}s"
            )

        rows = rollups.rebuild(
            restart=options["restart"], progress=progress, chunk_days=max(1, options["chunk_days"])
        )
        self.stdout.write(
            self.style.SUCCESS(f"rebuilt: {rows} rows in {time.monotonic() - started:.1f}s")
        )
