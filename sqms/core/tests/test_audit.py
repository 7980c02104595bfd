"""The audit chain: appends link, and verification finds edits and deletions."""

import itertools

import pytest
from django.db import connection

from sqms.core import audit, services
from sqms.core.choices import AuditAction
from sqms.core.models import AppendOnlyError, AuditEvent


@pytest.fixture
def events(org, make_user):
    admin = make_user("admin", unit=org.hq)
    for n in range(5):
        services.create_org_unit(
            actor=admin, parent=org.hall2, code=f"X{n}", name=f"窗口{n}", kind="counter"
        )
    return list(AuditEvent.objects.order_by("seq"))


def test_chain_links_every_event(events):
    assert len(events) == 5
    assert events[0].prev_hash == audit.GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    assert audit.verify_chain() == (5, None)


def test_edit_in_database_is_caught(events):
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_repr = %s WHERE seq = 3", ["forged"])  # noqa: S608
    _count, problem = audit.verify_chain()
    assert problem is not None and problem.seq == 3 and "altered" in problem.message


def test_deletion_in_the_middle_is_caught(events):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = 2")  # noqa: S608
    _, problem = audit.verify_chain()
    assert problem is not None and problem.seq == 2 and "missing" in problem.message


def test_deletion_of_the_tail_is_caught(events):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = 5")  # noqa: S608
    _, problem = audit.verify_chain()
    assert problem is not None and problem.seq == 5


def test_orm_refuses_changes(events):
    event = events[0]
    event.object_repr = "x"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(object_repr="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(action=AuditAction.CREATE).count() == 5


def test_no_door_edits_audit_events(events, make_user, org):
    """The admin site does not offer the model, the API is read-only, and even an auditor (who
    may read everything) holds no change or delete permission on it."""
    from django.contrib import admin

    assert AuditEvent not in admin.site._registry
    auditor = make_user("auditor", unit=org.hq)
    assert auditor.has_perm("core.view_auditevent")
    assert not auditor.has_perm("core.change_auditevent")
    assert not auditor.has_perm("core.delete_auditevent")
