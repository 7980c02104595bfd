"""`sqms rotate_keys`: re-encrypt stored personal data under the newest data key."""

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core import crypto, keyrotation


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise ArgumentTypeError("must be 1 or more")
    return number


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field whose value is not under the newest data key "
        "(the first key of SQMS_DATA_KEYS / the key file). Safe to interrupt and run again: "
        "each run only touches what is left."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=500,
            help="Rows per transaction (default: 500).",
        )
        parser.add_argument(
            "--max-batches",
            type=positive_int,
            default=None,
            help="Stop each model after this many batches (spread the work over several runs).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only count the rows left to re-encrypt; exit 1 if there are any.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        newest = crypto.current_key_id()
        models = keyrotation.encrypted_models()
        if options["check"]:
            left = 0
            for model, fields in models:
                count = keyrotation.stale_rows(model, fields).count()
                left += count
                self.stdout.write(f"{model._meta.label_lower}: {count} rows not under {newest}")
            if left:
                raise CommandError(f"{left} rows still need re-encryption", returncode=1)
            return

        self.stdout.write(f"Re-encrypting under key {newest!r}, {options['batch_size']} per batch")

        def progress(state: keyrotation.ModelRotation) -> None:
            self.stdout.write(
                f"  {state.label}: batch {state.batches}, {state.rotated_rows} rows re-encrypted"
                f", {state.skipped_rows} skipped, {len(state.failed_rows)} failed"
            )

        results = keyrotation.rotate_keys(
            batch_size=options["batch_size"],
            max_batches=options["max_batches"],
            progress=progress,
        )
        failed = 0
        for result in results:
            for error in result.errors:
                self.stderr.write(error)
            failed += len(result.failed_rows)
            self.stdout.write(
                f"{result.label}: {result.rotated_rows} rows ({result.rotated_values} values) "
                f"re-encrypted, {result.skipped_rows} skipped, {len(result.failed_rows)} failed, "
                f"{result.remaining_rows} left"
            )
        left = sum(r.remaining_rows for r in results)
        if failed:
            raise CommandError(f"{failed} rows could not be decrypted; see the errors above")
        if left:
            self.stdout.write(self.style.WARNING(f"{left} rows left: run the command again."))
        else:
            self.stdout.write(self.style.SUCCESS(f"All encrypted data is under key {newest!r}."))
