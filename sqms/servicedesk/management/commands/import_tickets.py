"""`sqms import_tickets FILE [--skip-invalid] [--user NAME] [--dry-run]`: import historical
tickets from a CSV or Excel file, printing the validation report (row, field, message)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sqms.core.models import User
from sqms.servicedesk import importer


class Command(BaseCommand):
    help = "Import historical tickets from a CSV (UTF-8 or GBK) or Excel (.xlsx) file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows even when others are invalid",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only check the file, import nothing"
        )
        parser.add_argument(
            "--user",
            help="user name the import runs as (their scope applies, and rows without a "
            "first-contact owner get them); without it every row must name its owner",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": error}
            ) from error
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
        result = importer.import_tickets(
            path.name,
            data,
            actor=actor,
            skip_invalid=options["skip_invalid"],
            dry_run=options["dry_run"],
        )
        for problem in result.problems:
            self.stderr.write(f"{problem.row}\t{problem.field}\t{problem.message}")
        summary = _("%(rows)d rows, %(imported)d imported, %(skipped)d invalid.") % {
            "rows": result.rows,
            "imported": result.imported,
            "skipped": result.skipped,
        }
        if result.imported or (result.dry_run and result.ok):
            self.stdout.write(summary)
            return
        raise CommandError(summary + " " + _("Nothing was imported."))
