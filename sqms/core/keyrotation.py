"""Re-encrypting stored personal data under the newest data key (called by `sqms rotate-keys`
and usable from a task).

The work is resumable by construction: a row is "left to do" exactly when one of its encrypted
columns holds a token under a key other than the newest, which the database can tell from the
token's `v1:<key_id>:` prefix. Each batch runs in its own transaction and locks its rows with
SKIP LOCKED (PostgreSQL), so a row being edited right now is left for the next run rather than
waited on; a row is only written if its ciphertext is still the one that was read, so a
concurrent save (which already encrypts under the newest key) is never overwritten.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, StartsWith

from sqms.core import crypto
from sqms.core.fields import encrypted_fields


@dataclass
class ModelRotation:
    """What one model's rotation did."""

    label: str
    rotated_rows: int = 0
    rotated_values: int = 0
    skipped_rows: int = 0  # locked or changed by someone else meanwhile; left for a later run
    failed_rows: list[object] = field(default_factory=list)  # unreadable (unknown key, tampered)
    remaining_rows: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


Progress = Callable[[ModelRotation], None]


def encrypted_models() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every installed concrete model with encrypted fields, and those fields."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = encrypted_fields(model)
        if fields:
            found.append((model, fields))
    return found


def _raw(field: models.Field) -> Cast:
    # Cast to plain text, so the encrypted field's decryption and lookup guard are bypassed
    # and the database compares the stored token itself.
    return Cast(field.attname, output_field=models.TextField())


def _stale(field: models.Field, prefix: str) -> models.Q:
    """The stored token of `field` is not under the newest key (and the column is not empty)."""
    return (
        models.Q(**{f"{field.attname}__isnull": False})
        & ~models.Q(Exact(_raw(field), ""))
        & ~models.Q(StartsWith(_raw(field), prefix))
    )


def stale_rows(model: type[models.Model], fields: list[models.Field]) -> models.QuerySet:
    prefix = f"{crypto.TOKEN_VERSION}:{crypto.current_key_id()}:"
    return model._base_manager.filter(reduce(or_, (_stale(f, prefix) for f in fields)))


def rotate_model(
    model: type[models.Model],
    fields: list[models.Field],
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> ModelRotation:
    """Re-encrypt `model`'s stale values in pk order, one transaction per batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    newest = crypto.current_key_id()
    prefix = f"{crypto.TOKEN_VERSION}:{newest}:"
    result = ModelRotation(model._meta.label_lower)
    manager = model._base_manager
    stale_q = reduce(or_, (_stale(f, prefix) for f in fields))
    raw_names = {f.attname: f"_raw_{f.attname}" for f in fields}
    last_pk = None
    while max_batches is None or result.batches < max_batches:
        todo = manager.filter(stale_q).order_by("pk")
        if last_pk is not None:
            todo = todo.filter(pk__gt=last_pk)
        pks = list(todo.values_list("pk", flat=True)[:batch_size])
        if not pks:
            break
        last_pk = pks[-1]
        with transaction.atomic():
            rows = list(
                manager.filter(stale_q, pk__in=pks)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .annotate(
                    **{raw: _raw(f) for f, raw in zip(fields, raw_names.values(), strict=True)}
                )
                .values("pk", *raw_names.values())
            )
            result.skipped_rows += len(pks) - len(rows)
            for row in rows:
                _rotate_row(manager, fields, raw_names, row, prefix, result)
        result.batches += 1
        if progress is not None:
            progress(result)
    result.remaining_rows = manager.filter(stale_q).count()
    return result


def _rotate_row(
    manager: models.Manager,
    fields: list[models.Field],
    raw_names: dict[str, str],
    row: dict,
    prefix: str,
    result: ModelRotation,
) -> None:
    updates: dict[str, str] = {}
    unchanged = models.Q(pk=row["pk"])
    for f in fields:
        token = row[raw_names[f.attname]]
        if not token or token.startswith(prefix):
            continue
        try:
            # The field's own decrypt (with its associated data); the update below encrypts
            # the plaintext again through the field, under the newest key.
            updates[f.attname] = crypto.decrypt(token, f.associated_data)  # type: ignore[attr-defined]
        except crypto.CryptoError as exc:
            result.failed_rows.append(row["pk"])
            result.errors.append(f"{result.label} pk={row['pk']}: {exc}")
            return
        unchanged &= models.Q(Exact(_raw(f), token))
    if not updates:
        return
    written = manager.filter(unchanged).update(**updates)
    if written:
        result.rotated_rows += 1
        result.rotated_values += len(updates)
    else:
        result.skipped_rows += 1


def rotate_keys(
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> list[ModelRotation]:
    """Rotate every model with encrypted fields; `max_batches` limits each model's work."""
    return [
        rotate_model(
            model, fields, batch_size=batch_size, max_batches=max_batches, progress=progress
        )
        for model, fields in encrypted_models()
    ]
