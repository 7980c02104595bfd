"""An attacker's view: an agent's session and a low-privilege API token are used on every
page and endpoint that shows customers (lists, searches, pages, history, tickets, exports),
and a database dump is searched, for a known customer's phone, ID number, e-mail, name and
address. None of them may appear anywhere."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from sqms.core.tests.web import web_login
from sqms.core.tokens import create_token
from sqms.customers.models import Customer
from sqms.customers.tests.conftest import (
    SECRET_EMAIL,
    SECRET_ID,
    SECRET_PHONE,
    assert_no_secret,
)
from sqms.servicedesk import services as desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(agent: Any, secret_customer: Customer) -> Any:
    return desk.register_ticket(
        actor=agent,
        kind="complaint",
        channel="counter",
        title="投诉",
        customer=secret_customer,
        customer_phone=SECRET_PHONE,
    )


def without_query(text: str, url: str) -> str:
    """A search page echoes what the user typed (the search box, the language switch's return
    link): that is the user's own input, not stored data, so it is taken out before looking for
    stored values (all the other personal fields must still be absent)."""
    if "?" not in url:
        return text
    typed = url.split("=", 1)[1]
    return text.replace(typed, "").replace(typed.replace("@", "%40"), "")


def pages(customer: Customer, ticket: Any) -> list[str]:
    detail = reverse("customer_detail", args=[customer.pk])
    return [
        reverse("customer_list"),
        reverse("customer_list") + f"?phone={SECRET_PHONE}",
        reverse("customer_list") + f"?id_number={SECRET_ID}",
        reverse("customer_list") + f"?email={SECRET_EMAIL}",
        detail,
        reverse("customer_edit", args=[customer.pk]),
        reverse("ticket_detail", args=[ticket.pk]),
        reverse("ticket_list") + f"?customer_phone={SECRET_PHONE}",
        reverse("ticket_customer_lookup") + f"?customer_phone={SECRET_PHONE}",
    ]


def endpoints(customer: Customer, ticket: Any) -> list[str]:
    base = "/api/customers/customers/"
    return [
        base,
        f"{base}?phone={SECRET_PHONE}",
        f"{base}lookup/?phone={SECRET_PHONE}",
        f"{base}lookup/?id_number={SECRET_ID}",
        f"{base}lookup/?email={SECRET_EMAIL}",
        f"{base}{customer.pk}/",
        f"{base}{customer.pk}/history/",
        f"{base}{customer.pk}/duplicates/",
        f"/api/customers/consents/?customer={customer.pk}",
        f"/api/servicedesk/tickets/{ticket.pk}/",
        f"/api/servicedesk/tickets/?customer_phone={SECRET_PHONE}",
    ]


def test_agent_session_never_receives_plaintext(
    agent: Any, secret_customer: Customer, linked: Any
) -> None:
    client = Client()
    web_login(client, agent)
    for url in pages(secret_customer, linked):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(without_query(response.content.decode(), url), url)
    # The found customer is in the search result, masked.
    found = client.get(reverse("customer_list"), {"phone": "+86 139 1234 5678"})
    assert secret_customer.number in found.content.decode()
    # Revealing and exporting are refused, and the refusal carries nothing either.
    for url in (
        reverse("customer_reveal", args=[secret_customer.pk, "phone"]),
        reverse("ticket_reveal", args=[linked.pk, "customer_phone"]),
    ):
        refused = client.post(url, {"reason": "想看"})
        assert refused.status_code == 403
        assert_no_secret(refused.content.decode(), url)
    assert client.get(reverse("customer_export")).status_code == 403
    refused = client.post(reverse("customer_export"), {"file_format": "csv", "reveal": "on"})
    assert refused.status_code == 403


def test_low_privilege_api_token_never_receives_plaintext(
    agent: Any, secret_customer: Customer, linked: Any
) -> None:
    _token, key = create_token(user=agent, name="test", actor=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for url in endpoints(secret_customer, linked):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_no_secret(response.content.decode(), url)
    refused = client.post(
        f"/api/customers/customers/{secret_customer.pk}/reveal/",
        {"field": "phone", "reason": "x"},
        format="json",
    )
    assert refused.status_code == 403
    assert_no_secret(refused.content.decode(), "a refused reveal")


def test_auditor_sees_masked_values_too(
    make_user: Any, org: Any, secret_customer: Customer, linked: Any
) -> None:
    """Even a role that may reveal receives masked values until it asks, field by field."""
    auditor = make_user("auditor", unit=org.hq)
    client = APIClient()
    client.force_authenticate(auditor)
    for url in endpoints(secret_customer, linked):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode(), url)


def test_database_dump_holds_no_plaintext(secret_customer: Customer, linked: Any) -> None:
    """Every text column of every table (customers, tickets, audit log …) is read raw."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            columns = [column.name for column in introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                assert_no_secret(" ".join(str(value) for value in row), f"table {table}")
