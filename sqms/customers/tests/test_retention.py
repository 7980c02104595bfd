"""Retention on time-travelled data, legal hold, rules, erasure with confirmation, and key
rotation over a populated customers table."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import override_settings

from sqms.core import keyrotation
from sqms.core.errors import ConflictError, DomainError
from sqms.core.tests.crypto_keys import keys
from sqms.customers import retention, services
from sqms.customers.choices import RecordType, RetentionAction
from sqms.customers.models import Customer, DestructionLog, RetentionRule
from sqms.customers.tests.conftest import SECRET_ID, valid_id
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import Ticket
from sqms.servicedesk.tests.conftest import PATH_TO_STATUS

pytestmark = pytest.mark.django_db

START = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)
LATER = START + timedelta(days=731)


def closed_ticket(agent: Any, verifier: Any, **kwargs: Any) -> Ticket:
    ticket = desk.register_ticket(
        actor=agent, kind="consultation", channel="counter", title="咨询", **kwargs
    )
    steps = {
        "respond": lambda t: desk.respond_to_ticket(t, actor=agent),
        "start": lambda t: desk.start_ticket(t, actor=agent),
        "resolve": lambda t: desk.resolve_ticket(t, actor=agent, resolution="已解答"),
        "verify": lambda t: desk.verify_resolution(t, actor=verifier),
        "close": lambda t: desk.close_ticket(t, actor=agent),
    }
    for step in PATH_TO_STATUS["closed"]:
        ticket = steps[step](ticket)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def verifier(org: Any, make_user: Any) -> Any:
    return make_user("quality_inspector", unit=org.branch1, username="inspector1")


def test_seed_rules_exist() -> None:
    rules = {rule.record_type: rule for rule in RetentionRule.objects.all()}
    assert set(rules) == set(RecordType.values)
    assert rules[RecordType.INACTIVE_CUSTOMER].retention_days == 730
    assert rules[RecordType.TICKET_PERSONAL_DATA].action == RetentionAction.ANONYMISE


def test_retention_anonymises_exactly_the_expired(
    agent: Any, verifier: Any, manager: Any, admin_user: Any, make_customer: Any
) -> None:
    with time_machine.travel(START, tick=False):
        idle = make_customer(name="老客户", phone="13800000001", id_number=SECRET_ID)
        held = make_customer(phone="13800000002")
        services.set_legal_hold(held, actor=admin_user, hold=True, reason="诉讼保全")
        old_closed = closed_ticket(
            agent, verifier, customer_phone="13800000003", customer_name="甲"
        )
        held_ticket = closed_ticket(agent, verifier, customer=held, customer_name="乙")
        old_open = desk.register_ticket(
            actor=agent,
            kind="complaint",
            channel="phone",
            title="未结",
            customer_phone="13800000004",
        )
    with time_machine.travel(START + timedelta(days=400), tick=False):
        active = make_customer(phone="13800000005")
    with time_machine.travel(START + timedelta(days=700), tick=False):
        # A contact inside the period keeps the customer of the old closed ticket.
        desk.register_ticket(
            actor=agent,
            kind="consultation",
            channel="phone",
            title="再次来电",
            customer=old_closed.customer,
        )
    with time_machine.travel(LATER, tick=False):
        entries = retention.run_retention()
        by_type = {entry.record_type: entry for entry in entries}
        idle.refresh_from_db()
        assert idle.anonymised_at == LATER
        assert (idle.name, idle.phone, idle.id_number, idle.phone_index) == ("", "", "", None)
        assert services.find_customer(id_number=SECRET_ID) is None
        assert not Customer.objects.get(pk=held.pk).is_anonymised  # legal hold
        assert not Customer.objects.get(pk=active.pk).is_anonymised  # recent
        assert not Customer.objects.get(
            pk=old_closed.customer_id or 0
        ).is_anonymised  # recent ticket
        assert not Customer.objects.get(pk=old_open.customer_id or 0).is_anonymised  # open ticket
        assert by_type[RecordType.INACTIVE_CUSTOMER].affected == 1
        assert by_type[RecordType.INACTIVE_CUSTOMER].references == [idle.number]

        ticket = Ticket.objects.get(pk=old_closed.pk)
        assert (ticket.customer_name, ticket.customer_phone, ticket.customer_phone_index) == (
            "",
            "",
            None,
        )
        assert Ticket.objects.get(pk=held_ticket.pk).customer_name == "乙"  # legal hold
        assert Ticket.objects.get(pk=old_open.pk).customer_phone == "13800000004"  # open
        log = by_type[RecordType.TICKET_PERSONAL_DATA]
        assert log.references == [old_closed.number] and log.affected == 1
        assert log.rule is not None and log.rule.record_type == RecordType.TICKET_PERSONAL_DATA
        assert log.cutoff == LATER - timedelta(days=730)
        # Idempotent: a second run finds nothing.
        assert retention.run_retention() == []
    assert DestructionLog.objects.count() == 2


def test_nothing_expires_before_the_period(make_customer: Any) -> None:
    with time_machine.travel(START, tick=False):
        customer = make_customer()
    with time_machine.travel(START + timedelta(days=729), tick=False):
        assert retention.run_retention() == []
    assert not Customer.objects.get(pk=customer.pk).is_anonymised


def test_destroy_rule_deletes_and_keeps_service_records(
    agent: Any, admin_user: Any, make_customer: Any
) -> None:
    rule = RetentionRule.objects.get(record_type=RecordType.INACTIVE_CUSTOMER)
    retention.update_rule(
        rule, actor=admin_user, retention_days=800, action=RetentionAction.DESTROY, enabled=True
    )
    with time_machine.travel(START, tick=False):
        customer = make_customer()
        ticket = desk.register_ticket(
            actor=agent, kind="consultation", channel="phone", title="x", customer=customer
        )
        desk.respond_to_ticket(ticket, actor=agent)
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=START)
    with time_machine.travel(START + timedelta(days=801), tick=False):
        entries = retention.run_retention()
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Ticket.objects.get(pk=ticket.pk).customer_id is None
    assert {e.action for e in entries} >= {RetentionAction.DESTROY}


def test_rule_changes_are_checked(admin_user: Any, manager: Any) -> None:
    rule = RetentionRule.objects.get(record_type=RecordType.TICKET_PERSONAL_DATA)
    with pytest.raises(PermissionDenied):
        retention.update_rule(
            rule, actor=manager, retention_days=900, action="anonymise", enabled=True
        )
    with pytest.raises(DomainError) as error:
        retention.update_rule(
            rule, actor=admin_user, retention_days=365, action="anonymise", enabled=True
        )
    assert error.value.field == "retention_days"
    with pytest.raises(DomainError):
        retention.update_rule(
            rule, actor=admin_user, retention_days=900, action="burn", enabled=True
        )
    changed = retention.update_rule(
        rule, actor=admin_user, retention_days=1095, action="anonymise", enabled=False
    )
    assert (changed.retention_days, changed.enabled) == (1095, False)


def test_erasure_needs_confirmation_and_respects_legal_hold(
    admin_user: Any, agent: Any, manager: Any, make_customer: Any
) -> None:
    customer = make_customer(name="赵六", id_number=valid_id("44010619900307123"))
    ticket = desk.register_ticket(
        actor=agent,
        kind="complaint",
        channel="counter",
        title="投诉",
        customer=customer,
        customer_phone=customer.phone,
    )
    with pytest.raises(PermissionDenied):
        retention.erase_customer(customer, actor=manager, confirmation=customer.number, reason="x")
    with pytest.raises(DomainError) as error:
        retention.erase_customer(customer, actor=admin_user, confirmation="CU0", reason="申请")
    assert error.value.field == "confirmation"
    with pytest.raises(DomainError):
        retention.erase_customer(
            customer, actor=admin_user, confirmation=customer.number, reason=""
        )
    services.set_legal_hold(customer, actor=admin_user, hold=True, reason="调查")
    with pytest.raises(ConflictError):
        retention.erase_customer(
            customer, actor=admin_user, confirmation=customer.number, reason="申请"
        )
    assert not Customer.objects.get(pk=customer.pk).is_anonymised
    services.set_legal_hold(customer, actor=admin_user, hold=False)
    entry = retention.erase_customer(
        customer, actor=admin_user, confirmation=customer.number.lower(), reason="客户书面申请"
    )
    assert entry.erasure and entry.actor == admin_user
    assert entry.references == [customer.number, ticket.number]
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.is_anonymised and fresh.name == "" and fresh.id_number_index is None
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.customer_name == "" and stored.customer_phone == ""
    with pytest.raises(ConflictError):
        retention.erase_customer(
            customer, actor=admin_user, confirmation=customer.number, reason="again"
        )


def test_periodic_job_is_registered() -> None:
    from sqms.core import periodic

    assert "sqms.customers.tasks.retention_purge" in {job.name for job in periodic.registered()}


def test_key_rotation_covers_customers(org: Any, manager: Any) -> None:
    with override_settings(SQMS_KEYS=keys("k1")):
        made = [
            services.create_customer(
                actor=manager,
                org_unit=org.hall1,
                name=f"客户{n}",
                phone=f"1390000{n:04d}",
                id_number=valid_id(f"110105198001{n + 10:02d}{n:03d}"),
                email=f"c{n}@example.com",
                address="广东省广州市天河区体育西路1号",
            )
            for n in range(5)
        ]
    assert any(model is Customer for model, _fields in keyrotation.encrypted_models())
    with override_settings(SQMS_KEYS=keys("k2", "k1")):
        results = {r.label: r for r in keyrotation.rotate_keys(batch_size=2)}
        assert results["customers.customer"].rotated_rows == 5
        assert results["customers.customer"].remaining_rows == 0
    with override_settings(SQMS_KEYS=keys("k2")):
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, phone, id_number, email, address FROM customers_customer")
            for row in cursor.fetchall():
                assert all(value.startswith("v1:k2:") for value in row)
        for n, customer in enumerate(made):
            fresh = Customer.objects.get(pk=customer.pk)
            assert fresh.name == f"客户{n}" and fresh.phone == f"1390000{n:04d}"
            assert fresh.address == "广东省广州市天河区体育西路1号"
            # The blind indexes do not depend on the data key: look-up still works.
            assert services.find_customer(phone=f"1390000{n:04d}") == fresh
