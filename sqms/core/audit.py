"""Writing and verifying the audit log's hash chain.

Every service that creates, changes, deletes or reveals something calls `record`. Events are
chained: each stores the previous event's hash, and its own hash covers its content and that
link, so `verify_chain` finds any edited, inserted or deleted event.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sqms.core.models import AuditChainHead, AuditEvent, OrgUnit
from sqms.core.request_context import client_ip

GENESIS_HASH = "0" * 64


def _jsonable(value: Any) -> Any:
    """Normalise to what a JSON column gives back, so hashing before and after storage agrees."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def event_hash(event: AuditEvent) -> str:
    body = [
        event.seq,
        event.created_at.isoformat(),
        event.actor_id,
        event.actor_repr,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.org_unit_id,
        event.ip,
        event.before,
        event.after,
        event.prev_hash,
    ]
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def field_value(instance: models.Model, field: models.Field) -> Any:
    """A field's value as the audit log shows it: personal data masked, relations by id."""
    masker = getattr(field, "audit_mask", None)
    if field.is_relation:
        return getattr(instance, field.attname)
    value = getattr(instance, field.attname)
    if masker is not None:
        return masker(value) if value else value
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audit view of a model instance (concrete fields, or the ones named)."""
    wanted = set(fields) if fields is not None else None
    result: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if getattr(field, "audit_exclude", False) or field.name in {"password"}:
            continue
        if wanted is not None and field.name not in wanted:
            continue
        result[field.name] = field_value(instance, field)
    return _jsonable(result)


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Keep only the keys whose values differ."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _org_unit_of(obj: Any) -> OrgUnit | None:
    if isinstance(obj, OrgUnit):
        return obj
    unit = getattr(obj, "org_unit", None)
    return unit if isinstance(unit, OrgUnit) else None


def _locked_head() -> AuditChainHead:
    """The chain head, locked until commit; created on first use (and after a test flush)."""
    head = AuditChainHead.objects.select_for_update().filter(id=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(id=1)
        head = AuditChainHead.objects.select_for_update().get(id=1)
    return head


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    org_unit: OrgUnit | None = None,
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction, so a rolled-back change leaves
    no event; the head row lock orders concurrent appenders."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        org_unit = org_unit or _org_unit_of(obj)
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    # No savepoint: if appending fails, the caller's change must fail with it.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        event = AuditEvent(
            seq=head.last_seq + 1,
            created_at=timezone.now(),
            actor=real_actor,
            actor_repr=(real_actor.get_username() if real_actor else "")[:200],
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            org_unit=org_unit,
            ip=client_ip.get(),
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(event)
        event.save()
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def append_many(
    rows: list[dict[str, Any]],
    insert: Callable[[list[dict[str, Any]]], None] | None = None,
) -> None:
    """Append many events at once under one head lock, for bulk work such as the SLA sweep.

    Each row holds an AuditEvent's column values (by attname) except seq and the hashes,
    which are assigned here in order; `insert` writes the finished rows (default:
    bulk_create). Runs inside the caller's transaction, like record().
    """
    if not rows:
        return
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        seq, previous_hash = head.last_seq, head.last_hash
        for row in rows:
            seq += 1
            row["seq"], row["prev_hash"] = seq, previous_hash
            row["hash"] = previous_hash = event_hash(SimpleNamespace(**row))  # type: ignore[arg-type]
        if insert is None:
            AuditEvent.objects.bulk_create(AuditEvent(**row) for row in rows)
        else:
            insert(rows)
        head.last_seq, head.last_hash = seq, previous_hash
        head.save(update_fields=["last_seq", "last_hash"])


@dataclass
class ChainProblem:
    seq: int | None
    message: str


def _iter_events(batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return (events checked, first problem or None)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in _iter_events():
        if event.seq != expected_seq:
            return count, ChainProblem(
                expected_seq, f"event #{expected_seq} is missing (next present is #{event.seq})"
            )
        if event.prev_hash != expected_prev:
            return count, ChainProblem(
                event.seq, f"event #{event.seq} does not link to the event before it"
            )
        if event_hash(event) != event.hash:
            return count, ChainProblem(event.seq, f"event #{event.seq} was altered")
        expected_prev = event.hash
        expected_seq += 1
        count += 1
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if last_seq != count or last_hash != expected_prev:
        return count, ChainProblem(
            count + 1, f"events after #{count} are missing (the chain head is at #{last_seq})"
        )
    return count, None
