"""UI pages: generic view cases, the customer page (服务前核实), reveal, consent, merge,
erasure, export and retention pages."""

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sqms.core.choices import AuditAction
from sqms.core.models import AuditEvent
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.customers.models import Customer, DestructionLog
from sqms.customers.tests.conftest import SECRET_ID, SECRET_PHONE, assert_no_secret
from sqms.servicedesk import services as desk


def raw_customer(unit: Any, n: int) -> Customer:
    return Customer.objects.create(
        number=f"CUV{n:09d}", org_unit=unit, name=f"测试{n}", phone=f"136{n:08d}"
    )


class TestCustomerViews(ViewCase):
    model = Customer
    list_url_name = "customer_list"
    detail_url_name = "customer_detail"
    create_url_name = "customer_create"
    edit_url_name = "customer_edit"
    delete_url_name = "customer_delete"
    actor_roles = ("unit_manager",)
    denied_roles = ("trainer",)
    page_size = 25

    def make_in_scope(self, org: Any, n: int) -> Customer:
        return raw_customer(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Customer:
        return raw_customer(org.hall2, n)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.hall1.pk,
            "name": "孙七",
            "phone": "13512345678",
            "id_number": SECRET_ID,
            "gender": "unknown",
            "segment": "mass",
            "preferred_channel": "counter",
            "classification": "internal",
        }

    def find_created(self, data: dict[str, Any]) -> Customer | None:
        return Customer.objects.order_by("-pk").first()

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            **self.create_data(org),
            "phone": "13512340000",
            "occupation": "工程师",
            "birth_year": "",
            "gender": "female",
        }

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        base = self.create_data(org)
        return [
            ({**base, "phone": "1351234567"}, {"phone"}),
            ({**base, "id_number": "110105194912310022"}, {"id_number"}),
            ({**base, "org_unit": org.hall2.pk}, {"org_unit"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({**self.edit_data(org, obj), "phone_alt": "12"}, {"phone_alt"})]


@pytest.fixture
def manager_client(manager: Any) -> Client:
    client = Client()
    web_login(client, manager)
    return client


@pytest.fixture
def agent_client(agent: Any) -> Client:
    client = Client()
    web_login(client, agent)
    return client


@pytest.mark.django_db
def test_edit_form_never_carries_plaintext(
    manager_client: Client, secret_customer: Customer
) -> None:
    page = manager_client.get(reverse("customer_edit", args=[secret_customer.pk]))
    assert page.status_code == 200
    assert_no_secret(page.content.decode(), "the edit form")
    # Empty personal fields keep the stored values.
    data = {
        "org_unit": secret_customer.org_unit_id,
        "gender": "female",
        "segment": "mass",
        "preferred_channel": "phone",
        "classification": "sensitive",
        "occupation": "退休",
    }
    assert (
        manager_client.post(reverse("customer_edit", args=[secret_customer.pk]), data).status_code
        == 302
    )
    fresh = Customer.objects.get(pk=secret_customer.pk)
    assert fresh.phone == SECRET_PHONE and fresh.occupation == "退休"


@pytest.mark.django_db
def test_customer_page_shows_history_and_counts(
    agent: Any, agent_client: Client, secret_customer: Customer
) -> None:
    desk.register_ticket(
        actor=agent, kind="complaint", channel="counter", title="排队太久", customer=secret_customer
    )
    desk.register_ticket(
        actor=agent, kind="business", channel="counter", title="办理宽带", customer=secret_customer
    )
    page = agent_client.get(reverse("customer_detail", args=[secret_customer.pk]))
    html = page.content.decode()
    assert page.context["counts"].contacts == 2
    assert page.context["counts"].complaints_12m == 1
    assert "排队太久" in html and "list-group-item-danger" in html
    assert "139****5678" in html
    assert 'data-testid="reveal-phone"' not in html  # an agent may not reveal
    assert_no_secret(html, "the customer page")


@pytest.mark.django_db
def test_reveal_in_the_ui_needs_a_reason_and_is_audited(
    manager_client: Client, secret_customer: Customer
) -> None:
    url = reverse("customer_reveal", args=[secret_customer.pk, "id_number"])
    refused = manager_client.post(url, {"reason": ""})
    assert SECRET_ID not in refused.content.decode()
    shown = manager_client.post(url, {"reason": "核验身份"}, HTTP_HX_REQUEST="true")
    assert SECRET_ID in shown.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.REVEAL).latest("seq")
    assert event.after == {"field": "id_number", "reason": "核验身份"}
    assert manager_client.get(url).status_code == 405  # never by GET (no value in a URL)


@pytest.mark.django_db
def test_reveal_without_csrf_token_is_refused(manager: Any, secret_customer: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    web_login(client, manager)
    url = reverse("customer_reveal", args=[secret_customer.pk, "phone"])
    response = client.post(url, {"reason": "x"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


@pytest.mark.django_db
def test_reveal_out_of_scope_is_404(make_user: Any, org: Any, secret_customer: Customer) -> None:
    client = Client()
    web_login(client, make_user("unit_manager", unit=org.branch2))
    url = reverse("customer_reveal", args=[secret_customer.pk, "phone"])
    assert client.post(url, {"reason": "x"}).status_code == 404


@pytest.mark.django_db
def test_consent_pages(agent_client: Client, secret_customer: Customer) -> None:
    url = reverse("consent_add", args=[secret_customer.pk])
    assert agent_client.post(url, {"purpose": "survey", "channel": "counter"}).status_code == 302
    again = agent_client.post(url, {"purpose": "survey", "channel": "counter"})
    assert again.status_code == 200 and again.context["consent_form"].errors
    consent = secret_customer.consents.get()
    agent_client.post(reverse("consent_withdraw", args=[consent.pk]))
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


@pytest.mark.django_db
def test_merge_page(manager_client: Client, make_customer: Any) -> None:
    one, two = make_customer(phone="13866667777"), make_customer(phone="13866667777")
    url = reverse("customer_merge", args=[one.pk])
    page = manager_client.get(url)
    assert two.number in page.content.decode()
    missing = manager_client.post(url, {"duplicate_number": "CU000"})
    assert missing.context["form"].errors
    assert manager_client.post(url, {"duplicate_number": two.number}).status_code == 302
    assert not Customer.objects.filter(pk=two.pk).exists()


@pytest.mark.django_db
def test_erasure_page_has_a_confirmation_step(admin_user: Any, make_customer: Any) -> None:
    client = Client()
    web_login(client, admin_user)
    customer = make_customer()
    url = reverse("customer_erase", args=[customer.pk])
    assert client.get(url).status_code == 200
    assert not Customer.objects.get(pk=customer.pk).is_anonymised  # a GET changes nothing
    wrong = client.post(url, {"reason": "申请", "confirmation": "CU1"})
    assert wrong.context["form"].errors["confirmation"]
    assert client.post(url, {"reason": "申请", "confirmation": customer.number}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).is_anonymised
    assert DestructionLog.objects.filter(erasure=True).count() == 1
    page = client.get(reverse("customer_retention"))
    assert page.status_code == 200 and customer.number in page.content.decode()


@pytest.mark.django_db
def test_erasure_page_forbidden_to_managers(manager_client: Client, make_customer: Any) -> None:
    customer = make_customer()
    assert manager_client.get(reverse("customer_erase", args=[customer.pk])).status_code == 403


@pytest.mark.django_db
def test_retention_rule_page(admin_user: Any) -> None:
    client = Client()
    web_login(client, admin_user)
    page = client.get(reverse("customer_retention"))
    rule = page.context["rules"][0]
    url = reverse("customer_retention_rule", args=[rule.pk])
    short = client.post(url, {"retention_days": 10, "action": "anonymise", "enabled": "on"})
    assert short.context["form"].errors["retention_days"]
    ok = client.post(url, {"retention_days": 1000, "action": "anonymise", "enabled": "on"})
    assert ok.status_code == 302
    assert client.post(reverse("customer_retention_run")).status_code == 302


@pytest.mark.django_db
def test_export_masked_and_revealed(
    manager: Any, manager_client: Client, agent: Any, secret_customer: Customer
) -> None:
    desk.register_ticket(
        actor=agent,
        kind="complaint",
        channel="counter",
        title="投诉",
        customer=secret_customer,
        customer_phone=SECRET_PHONE,
    )
    url = reverse("customer_export")
    assert manager_client.get(url).status_code == 200
    csv_file = manager_client.post(url, {"file_format": "csv", "contents": "customers"})
    text = csv_file.content.decode("utf-8-sig")
    assert secret_customer.number in text and "139****5678" in text
    assert_no_secret(text, "a masked CSV export")
    tickets = manager_client.post(url, {"file_format": "xlsx", "contents": "tickets"})
    sheet = load_workbook(io.BytesIO(tickets.content)).active
    cells = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
    assert "投诉" in cells
    assert_no_secret(cells, "a masked Excel export")
    no_reason = manager_client.post(
        url, {"file_format": "csv", "contents": "customers", "reveal": "on"}
    )
    assert no_reason.status_code == 200 and no_reason.context["form"].errors["reason"]
    revealed = manager_client.post(
        url, {"file_format": "csv", "contents": "customers", "reveal": "on", "reason": "审计抽查"}
    )
    assert SECRET_PHONE in revealed.content.decode("utf-8-sig")
    event = AuditEvent.objects.filter(object_type="customers.customer").latest("seq")
    assert event.action == AuditAction.REVEAL and (event.after or {})["reason"] == "审计抽查"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2


@pytest.mark.django_db
def test_export_refused_without_permission(agent_client: Client) -> None:
    assert agent_client.get(reverse("customer_export")).status_code == 403


@pytest.mark.django_db
def test_ticket_page_links_to_the_customer(agent: Any, agent_client: Client) -> None:
    ticket = desk.register_ticket(
        actor=agent,
        kind="consultation",
        channel="counter",
        title="咨询",
        customer_phone="13912345678",
    )
    page = agent_client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert reverse("customer_detail", args=[ticket.customer_id]) in page.content.decode()


@pytest.mark.django_db
def test_registration_form_takes_an_id_number(agent: Any, agent_client: Client) -> None:
    data = {
        "kind": "consultation",
        "channel": "counter",
        "title": "咨询",
        "impact": 2,
        "urgency": 2,
        "customer_id_number": "110105194912310022",
    }
    bad = agent_client.post(reverse("ticket_create"), data)
    assert bad.status_code == 200 and bad.context["form"].errors["customer_id_number"]
    data["customer_id_number"] = SECRET_ID
    assert agent_client.post(reverse("ticket_create"), data).status_code == 302
    assert Customer.objects.get().id_number == SECRET_ID
