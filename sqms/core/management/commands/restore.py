"""`sqms restore ARCHIVE`: check an archive, then restore it into an empty database."""

from argparse import ArgumentParser, RawDescriptionHelpFormatter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sqms.core import audit, backup
from sqms.core.choices import AuditAction

HELP = """Restore an archive made by `sqms backup` into the database DATABASE_URL names.

First the whole archive is read and checked (key, every chunk's integrity, every table's row
count and digest, every file's sha256): a wrong key, a damaged or a truncated archive is
refused before anything is written. The target must be empty (no users, no audit events: a
new database, or one that was only migrated) and must hold the same data keys as the source,
so personal data decrypts. Then the target is migrated to the archive's migration state, the
media files and the rows are restored (in one transaction), and every table's row count and
digest is compared with the manifest; any difference rolls the restore back.

The backup key comes from --key-file, $SQMS_BACKUP_KEY, $SQMS_BACKUP_KEY_FILE or
var/backup_key (see `sqms backup --help`). With --check only the archive is checked.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", help="The archive to restore.")
        parser.add_argument("--key-file", help="A file holding the backup key (base64).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the archive and print its manifest summary; write nothing.",
        )
        parser.add_argument("--database", default="default", help="Database alias to restore into.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        verbosity = options["verbosity"]

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stderr.write(message)

        try:
            key, _source = backup.resolve_key(options["key_file"], create=False)
            if options["check"]:
                contents = backup.verify_archive(path, key, progress=progress)
                self.summary(contents.manifest)
                self.stdout.write(_("The archive is intact."))
                return
            result = backup.restore_backup(path, key, using=options["database"], progress=progress)
        except backup.RestoreMismatch as exc:
            self.print_checks(exc.checks)
            raise CommandError(str(exc)) from None
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.print_checks(result.checks)
        manifest = result.manifest
        audit.record(
            AuditAction.RESTORE,
            actor=None,
            object_type="core.restore",
            object_id=manifest["created_at"][:64],
            object_repr=path.name,
            after={
                "archive": str(path),
                "archive_created_at": manifest["created_at"],
                "source_vendor": manifest["vendor"],
                "tables": len(result.checks),
                "rows": manifest["rows"],
                "files": result.files,
            },
        )
        self.stdout.write(
            _(
                "Restored %(tables)d tables (%(rows)d rows) and %(files)d files from %(path)s "
                "in %(seconds).1f s; every table matches the archive's manifest."
            )
            % {
                "tables": len(result.checks),
                "rows": manifest["rows"],
                "files": result.files,
                "path": path,
                "seconds": result.seconds,
            }
        )

        if result.pending_migrations:
            self.stdout.write(
                _(
                    "This installation has %(n)d migrations newer than the archive; run "
                    "`sqms migrate` to apply them."
                )
                % {"n": result.pending_migrations}
            )

    def summary(self, manifest: dict[str, Any]) -> None:
        self.stdout.write(
            _(
                "Archive made %(created)s on %(vendor)s: %(tables)d tables, %(rows)d rows, "
                "%(files)d files."
            )
            % {
                "created": manifest["created_at"],
                "vendor": manifest["vendor"],
                "tables": len(manifest["tables"]),
                "rows": manifest["rows"],
                "files": len(manifest["files"]),
            }
        )

    def print_checks(self, checks: list[backup.TableCheck]) -> None:
        if self.verbosity < 1 and all(check.ok for check in checks):
            return
        for check in checks:
            status = _("OK") if check.ok else _("MISMATCH")
            self.stdout.write(
                f"{status:8} {check.table}: {check.rows}/{check.expected_rows} {check.digest[:12]}"
            )

    def execute(self, *args: Any, **options: Any) -> Any:
        self.verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)
