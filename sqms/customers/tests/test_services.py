"""Customer services: create/update/delete rules, encryption at rest, look-up, ticket link,
duplicates and merge, consent, legal hold, reveal."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent
from sqms.customers import services
from sqms.customers.models import Consent, Customer
from sqms.customers.tests.conftest import (
    SECRET_ID,
    SECRET_PHONE,
    SECRETS,
    assert_no_secret,
)
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import CounterVisit, Ticket

pytestmark = pytest.mark.django_db


def register(actor: Any, **kwargs: Any) -> Ticket:
    kwargs.setdefault("kind", "consultation")
    kwargs.setdefault("channel", "counter")
    kwargs.setdefault("title", "套餐咨询")
    return desk.register_ticket(actor=actor, **kwargs)


def test_create_numbers_normalises_and_derives(secret_customer: Customer) -> None:
    fresh = Customer.objects.get(pk=secret_customer.pk)
    assert fresh.number.startswith("CU") and len(fresh.number) == 16
    assert fresh.phone == SECRET_PHONE
    assert fresh.id_number == SECRET_ID
    assert fresh.birth_year == 1949 and fresh.gender == "female"
    assert fresh.phone_index and fresh.id_number_index and fresh.email_index
    assert str(fresh) == fresh.number  # no personal data in str()


def test_personal_columns_hold_no_plaintext(secret_customer: Customer) -> None:
    """A raw read of every column of the table shows none of the personal data."""
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [secret_customer.pk])  # noqa: S608
        row = cursor.fetchone()
    dump = " ".join(str(value) for value in row)
    assert_no_secret(dump, "the raw customer row")
    for column in ("name", "phone", "id_number", "email", "address"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [secret_customer.pk])  # noqa: S608
            assert cursor.fetchone()[0].startswith("v1:")


def test_audit_log_holds_masked_values_only(secret_customer: Customer) -> None:
    event = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="customers.customer", object_id=secret_customer.pk
    )
    assert_no_secret(str(event.after) + event.object_repr, "the audit event")
    assert (event.after or {})["phone"] == "139****5678"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"phone": "1391234567"}, "phone"),
        ({"phone_alt": "abc"}, "phone_alt"),
        ({"id_number": "110105194912310022"}, "id_number"),
        ({"email": "not-an-email"}, "email"),
        ({"birth_year": 1800}, "birth_year"),
        ({"birth_year": "soon"}, "birth_year"),
        ({"segment": "royal"}, "segment"),
        ({"name": "张" * 101}, "name"),
    ],
)
def test_create_refuses_bad_values(manager: Any, org: Any, values: dict, field: str) -> None:
    before = Customer.objects.count()
    with pytest.raises(DomainError) as error:
        services.create_customer(actor=manager, org_unit=org.hall1, **values)
    assert error.value.field == field
    assert Customer.objects.count() == before


def test_create_needs_permission_and_scope(org: Any, make_user: Any, manager: Any) -> None:
    inspector = make_user("quality_inspector", unit=org.branch1)
    with pytest.raises(PermissionDenied):
        services.create_customer(actor=inspector, org_unit=org.hall1, name="甲")
    with pytest.raises(DomainError) as error:
        services.create_customer(actor=manager, org_unit=org.hall2, name="甲")
    assert error.value.field == "org_unit"


def test_update_audits_masked_changes(manager: Any, make_customer: Any) -> None:
    customer = make_customer()
    services.update_customer(customer, actor=manager, phone="13700001111", occupation="教师")
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.phone == "13700001111"
    assert services.find_customer(phone="137 0000 1111") == fresh
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.after == {"phone": "137****1111", "occupation": "教师"}


def test_update_out_of_scope_refused(outsider: Any, make_customer: Any) -> None:
    customer = make_customer()
    with pytest.raises(PermissionDenied):
        services.update_customer(customer, actor=outsider, occupation="x")


def test_delete_refused_with_tickets(manager: Any, agent: Any, make_customer: Any) -> None:
    customer = make_customer()
    register(agent, customer=customer)
    with pytest.raises(ConflictError):
        services.delete_customer(customer, actor=manager)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_lookup_is_one_query_on_the_blind_index(secret_customer: Customer) -> None:
    with CaptureQueriesContext(connection) as queries:
        found = services.find_customer(phone="+86 139-1234-5678")
    assert found == secret_customer
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "phone_index" in sql
    assert SECRET_PHONE not in sql
    with CaptureQueriesContext(connection) as queries:
        assert services.find_customer(id_number=SECRET_ID.lower()) == secret_customer
    assert len(queries) == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_lookup_plan_uses_the_index_on_postgresql(secret_customer: Customer) -> None:
    queryset = Customer.objects.filter(services.phone_match(SECRET_PHONE))
    with connection.cursor() as cursor:
        # A tiny test table is cheaper to scan; ask what the planner does when it may not.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "Index" in plan, plan


def test_register_ticket_creates_then_finds_the_customer(agent: Any) -> None:
    first = register(agent, customer_phone="13912345678", customer_name="王芳芳")
    assert first.customer is not None
    assert first.customer.phone == "13912345678"
    assert first.customer.name == "王芳芳"
    assert first.customer_name == "王芳芳"
    with CaptureQueriesContext(connection) as queries:
        second = register(agent, customer_phone="+86 139 1234 5678")
    assert second.customer_id == first.customer_id
    assert second.customer_name == "王芳芳"  # filled from the record
    customer_queries = [q for q in queries if "customers_customer" in q["sql"]]
    assert len(customer_queries) == 1  # one indexed look-up, nothing else


def test_register_ticket_by_id_number_and_anonymous(agent: Any) -> None:
    by_id = register(agent, customer_id_number=SECRET_ID)
    assert by_id.customer is not None and by_id.customer.id_number == SECRET_ID
    again = register(agent, customer_id_number=SECRET_ID, customer_phone="13700002222")
    assert again.customer_id == by_id.customer_id
    assert register(agent).customer is None


def test_register_ticket_refuses_bad_id_number(agent: Any) -> None:
    tickets = Ticket.objects.count()
    with pytest.raises(DomainError) as error:
        register(agent, customer_id_number="110105194912310022")
    assert error.value.field == "customer_id_number"
    assert Ticket.objects.count() == tickets
    assert Customer.objects.count() == 0


def test_register_ticket_refuses_out_of_scope_customer(agent: Any, org: Any) -> None:
    other = Customer.objects.create(number="CU20990101000001", org_unit=org.hall2)
    with pytest.raises(DomainError) as error:
        register(agent, customer=other)
    assert error.value.field == "customer"


def test_duplicates_and_merge_keep_all_history(
    manager: Any, agent: Any, make_customer: Any, org: Any
) -> None:
    survivor = make_customer(name="", phone="13811112222")
    duplicate = make_customer(name="李四", phone="13811112222", id_number=SECRET_ID)
    assert list(services.duplicates_of(survivor)) == [duplicate]
    ticket = register(agent, customer=duplicate)
    visit = CounterVisit.objects.create(
        org_unit=org.hall1, arrived_at=ticket.created_at, customer=duplicate
    )
    consent = services.record_consent(duplicate, actor=agent, purpose="survey", channel="sms")
    merged = services.merge_customers(survivor, duplicate, actor=manager)
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert Ticket.objects.get(pk=ticket.pk).customer_id == survivor.pk
    assert CounterVisit.objects.get(pk=visit.pk).customer_id == survivor.pk
    assert Consent.objects.get(pk=consent.pk).customer_id == survivor.pk
    assert merged.name == "李四" and merged.id_number == SECRET_ID  # taken over
    update = AuditEvent.objects.filter(
        object_type="customers.customer", object_id=str(survivor.pk), action=AuditAction.MERGE
    ).latest("seq")
    after = update.after or {}
    assert after["merged_from"] == duplicate.number
    assert after["moved"]["servicedesk.ticket"] == 1
    assert AuditEvent.objects.filter(
        object_id=str(duplicate.pk), action=AuditAction.DELETE, object_type="customers.customer"
    ).exists()
    assert_no_secret(str(update.after), "the merge audit")


def test_merge_refusals(manager: Any, agent: Any, make_customer: Any, admin_user: Any) -> None:
    one, two = make_customer(), make_customer()
    with pytest.raises(PermissionDenied):
        services.merge_customers(one, two, actor=agent)
    with pytest.raises(DomainError):
        services.merge_customers(one, one, actor=manager)
    services.set_legal_hold(two, actor=admin_user, hold=True, reason="诉讼中")
    with pytest.raises(ConflictError):
        services.merge_customers(one, two, actor=manager)


def test_consent_rules(agent: Any, make_customer: Any) -> None:
    customer = make_customer()
    consent = services.record_consent(customer, actor=agent, purpose="marketing", channel="web")
    with pytest.raises(ConflictError):
        services.record_consent(customer, actor=agent, purpose="marketing", channel="sms")
    with pytest.raises(DomainError):
        services.record_consent(customer, actor=agent, purpose="spam", channel="sms")
    services.withdraw_consent(consent, actor=agent)
    with pytest.raises(ConflictError):
        services.withdraw_consent(consent, actor=agent)
    # After a withdrawal the purpose may be consented to again.
    services.record_consent(customer, actor=agent, purpose="marketing", channel="sms")
    assert customer.consents.count() == 2


def test_legal_hold_needs_permission_and_reason(
    admin_user: Any, manager: Any, make_customer: Any
) -> None:
    customer = make_customer()
    with pytest.raises(PermissionDenied):
        services.set_legal_hold(customer, actor=manager, hold=True, reason="x")
    with pytest.raises(DomainError):
        services.set_legal_hold(customer, actor=admin_user, hold=True, reason="")
    held = services.set_legal_hold(customer, actor=admin_user, hold=True, reason="诉讼")
    assert held.legal_hold


def test_reveal_is_audited_with_reason(manager: Any, secret_customer: Customer) -> None:
    value = services.reveal_field(secret_customer, "phone", actor=manager, reason="回电核对")
    assert value == SECRET_PHONE
    event = AuditEvent.objects.filter(action=AuditAction.REVEAL).latest("seq")
    assert event.after == {"field": "phone", "reason": "回电核对"}
    assert event.object_id == str(secret_customer.pk)
    assert all(secret not in str(event.after) for secret in SECRETS)


def test_reveal_refusals(
    agent: Any, manager: Any, secret_customer: Customer, org: Any, make_user: Any
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.reveal_field(secret_customer, "phone", actor=agent, reason="想看")
    other_manager = make_user("unit_manager", unit=org.branch2)
    with pytest.raises(PermissionDenied):
        services.reveal_field(secret_customer, "phone", actor=other_manager, reason="x")
    with pytest.raises(DomainError):
        services.reveal_field(secret_customer, "phone", actor=manager, reason=" ")
    with pytest.raises(DomainError):
        services.reveal_field(secret_customer, "segment", actor=manager, reason="x")
    assert AuditEvent.objects.count() == before
