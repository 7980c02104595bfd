"""Bulk writes (sqms.core.bulk): what they store is what the ORM would, on either database."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sqms.core import bulk
from sqms.core.models import Notification

pytestmark = pytest.mark.django_db


def test_insert_sets_keys_in_order_and_fills_auto_fields(make_user: Any) -> None:
    user = make_user("agent")
    notes = [Notification(recipient=user, message=f"第{n}条 note {n}") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        bulk.insert(Notification, notes)
    assert len(queries) == 1
    stored = {note.pk: note for note in Notification.objects.filter(recipient=user)}
    assert [stored[note.pk].message for note in notes] == [f"第{n}条 note {n}" for n in range(3)]
    assert all(stored[note.pk].created_at is not None for note in notes)
    assert all(not note._state.adding for note in notes)


def test_update_columns_writes_only_the_named_fields(make_user: Any) -> None:
    user = make_user("agent")
    notes = [Notification.objects.create(recipient=user, message=f"m{n}") for n in range(3)]
    read = datetime(2026, 10, 10, 9, 30, tzinfo=UTC)
    for n, note in enumerate(notes):
        note.read_at = read if n != 1 else None
        note.message = "not written"
    with CaptureQueriesContext(connection) as queries:
        bulk.update_columns(Notification, notes, ["read_at"])
    assert len(queries) == 1
    stored = {note.pk: note for note in Notification.objects.filter(recipient=user)}
    assert [stored[note.pk].read_at for note in notes] == [read, None, read]
    assert [stored[note.pk].message for note in notes] == ["m0", "m1", "m2"]


def test_nothing_to_write_costs_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        bulk.insert(Notification, [])
        bulk.update_columns(Notification, [], ["read_at"])
        bulk.copy_rows(Notification, [])
    assert len(queries) == 0
