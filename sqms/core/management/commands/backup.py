"""`sqms backup`: one consistent, compressed, encrypted archive of the whole system."""

from argparse import ArgumentParser, RawDescriptionHelpFormatter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit, backup
from sqms.core.choices import AuditAction

HELP = """Write one archive holding every table of every installed app (stored values as they
are: personal data stays encrypted), the media files (ticket attachments) and a manifest with
the migration state, each table's row count and digest and each file's sha256. The archive is
compressed and encrypted with AES-256-GCM under the backup key; it is taken in one read
transaction, so work going on meanwhile does not tear it.

The backup key (32 random bytes, base64) comes from, in order:
  --key-file PATH, $SQMS_BACKUP_KEY, $SQMS_BACKUP_KEY_FILE, or var/backup_key, which the first
  backup creates (production must set one of the others).
Keep a copy of the key away from the archives: without it an archive cannot be restored.
`sqms backup --show-key` prints the key in use (and records that in the audit log); on another
machine put it in a file and run `sqms restore ARCHIVE --key-file FILE`.

A restored system also needs the data keys the personal data is encrypted with (var/keys.json,
or SQMS_KEY_FILE / SQMS_DATA_KEYS and SQMS_BLIND_INDEX_KEY): copy them to the new machine too.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "archive",
            nargs="?",
            help="Where to write the archive (default: var/backups/sqms-<time>.sqmsbak).",
        )
        parser.add_argument("--key-file", help="A file holding the backup key (base64).")
        parser.add_argument(
            "--show-key",
            action="store_true",
            help="Print the backup key in use (creating var/backup_key if needed) and stop.",
        )
        parser.add_argument(
            "--database", default="default", help="Database alias to back up (default: default)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key, source = backup.resolve_key(options["key_file"], create=True)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        if options["show_key"]:
            self.show_key(key, source)
            return
        path = Path(options["archive"]) if options["archive"] else self.default_path()
        if path.exists():
            raise CommandError(
                _("%(path)s already exists; a backup never overwrites a file.") % {"path": path}
            )
        verbosity = options["verbosity"]

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stderr.write(message)

        try:
            result = backup.create_backup(path, key, using=options["database"], progress=progress)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        audit.record(
            AuditAction.BACKUP,
            actor=None,
            object_type="core.backup",
            object_id=result.sha256[:16],
            object_repr=result.path.name,
            after={
                "archive": str(result.path),
                "sha256": result.sha256,
                "bytes": result.size,
                "tables": len(manifest["tables"]),
                "rows": manifest["rows"],
                "files": len(manifest["files"]),
                "key": source,
            },
        )
        megabytes = result.extra["plain_bytes"] / 1e6
        self.stdout.write(
            _(
                "Backup written: %(path)s (%(size).1f MB; %(tables)d tables, %(rows)d rows, "
                "%(files)d files; %(mb).1f MB of data in %(seconds).1f s)"
            )
            % {
                "path": result.path,
                "size": result.size / 1e6,
                "tables": len(manifest["tables"]),
                "rows": manifest["rows"],
                "files": len(manifest["files"]),
                "mb": megabytes,
                "seconds": result.seconds,
            }
        )
        self.stdout.write(_("sha256: %(sha)s") % {"sha": result.sha256})
        if manifest["missing_files"]:
            self.stderr.write(
                _("Warning: %(n)d attached files were missing on disk: %(names)s")
                % {
                    "n": len(manifest["missing_files"]),
                    "names": ", ".join(manifest["missing_files"][:5]),
                }
            )

    def default_path(self) -> Path:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        return Path(settings.VAR_DIR) / "backups" / f"sqms-{stamp}.sqmsbak"

    def show_key(self, key: bytes, source: str) -> None:
        import base64

        audit.record(
            AuditAction.SECURITY,
            actor=None,
            object_type="core.backup_key",
            object_repr=_("backup key shown"),
            after={"source": source},
        )
        self.stdout.write(base64.b64encode(key).decode())
        self.stderr.write(
            _(
                "Backup key from %(source)s. Store it safely, away from the archives; "
                "to restore elsewhere save it to a file and pass --key-file."
            )
            % {"source": source}
        )
