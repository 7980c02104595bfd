"""The customers API: generic CRUD cases, look-up, history, reveal, merge, erase, consents."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.core.choices import AuditAction
from sqms.core.models import AuditEvent
from sqms.core.tests.api_cases import APICase
from sqms.customers.models import Consent, Customer
from sqms.customers.tests.conftest import SECRET_ID, SECRET_PHONE, assert_no_secret
from sqms.servicedesk import services as desk

URL = "/api/customers/customers/"


def raw_customer(unit: Any, n: int, **values: Any) -> Customer:
    values.setdefault("name", f"测试{n}")
    values.setdefault("phone", f"137{n:08d}")
    return Customer.objects.create(number=f"CUT{n:09d}", org_unit=unit, **values)


class TestCustomerAPI(APICase):
    url = URL
    model = Customer
    actor_roles = ("unit_manager",)
    denied_roles = ("trainer",)
    reads_denied = True
    write_only_fields = ("name", "phone", "phone_alt", "id_number", "email", "address")

    def make_in_scope(self, org: Any, n: int) -> Customer:
        return raw_customer(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Customer:
        return raw_customer(org.hall2, n)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.hall1.pk,
            "name": "王芳",
            "phone": "13912340000",
            "id_number": SECRET_ID,
            "email": "wf@example.com",
            "address": "北京市朝阳区建国路1号",
            "gender": "female",
            "occupation": "教师",
            "segment": "gold",
            "preferred_channel": "phone",
            "classification": "sensitive",
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "occupation": "医生", "segment": "platinum"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"phone": "13700001111", "habits": "晚上方便接电话"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"phone": "1391234567"}, {"phone"}),
            ({"id_number": "110105194912310022"}, {"id_number"}),
            ({"id_number": "1101051949"}, {"id_number"}),
            ({"segment": "royal"}, {"segment"}),
            ({"org_unit": org.hall2.pk}, {"org_unit"}),
            ({"email": "x@"}, {"email"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"phone": "12345"}, {"phone"}), ({"birth_year": 1700}, {"birth_year"})]

    def test_response_is_masked(self, api: APIClient, org: Any) -> None:
        response = api.post(self.url, {**self.create_payload(org), "phone": SECRET_PHONE})
        body = response.json()
        assert body["phone_masked"] == "139****5678"
        assert body["id_number_masked"] == "1101**********002X"
        assert body["age_band"] == "60_plus"
        assert_no_secret(response.content.decode(), "the create response")


@pytest.mark.django_db
class TestCustomerActions:
    @pytest.fixture
    def api(self, manager: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(manager)
        return client

    @pytest.fixture
    def agent_api(self, agent: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(agent)
        return client

    def test_lookup_by_phone_and_id(self, agent_api: APIClient, secret_customer: Customer) -> None:
        for params in ({"phone": "+86 139 1234 5678"}, {"id_number": SECRET_ID.lower()}):
            response = agent_api.get(f"{URL}lookup/", params)
            assert response.status_code == 200
            assert [row["id"] for row in response.json()] == [secret_customer.pk]
        assert agent_api.get(f"{URL}lookup/", {"phone": "13900000000"}).json() == []
        assert agent_api.get(f"{URL}lookup/").status_code == 400

    def test_lookup_out_of_scope_finds_nothing(
        self, outsider: Any, secret_customer: Customer
    ) -> None:
        client = APIClient()
        client.force_authenticate(outsider)
        assert client.get(f"{URL}lookup/", {"phone": SECRET_PHONE}).json() == []
        assert client.get(URL, {"phone": SECRET_PHONE}).json()["count"] == 0

    def test_list_filter_is_exact(self, agent_api: APIClient, secret_customer: Customer) -> None:
        assert agent_api.get(URL, {"phone": "139-1234-5678"}).json()["count"] == 1
        assert agent_api.get(URL, {"phone": "1391234"}).json()["count"] == 0

    def test_history(self, agent: Any, agent_api: APIClient, secret_customer: Customer) -> None:
        desk.register_ticket(
            actor=agent,
            kind="complaint",
            channel="phone",
            title="网速慢",
            customer=secret_customer,
        )
        desk.register_ticket(
            actor=agent,
            kind="consultation",
            channel="phone",
            title="资费",
            customer=secret_customer,
        )
        body = agent_api.get(f"{URL}{secret_customer.pk}/history/").json()
        assert body["contacts"] == 2 and body["complaints_12m"] == 1
        assert body["last_satisfaction"] == "—"
        assert [entry["highlight"] for entry in body["entries"]].count(True) == 1

    def test_reveal(self, api: APIClient, agent_api: APIClient, secret_customer: Customer) -> None:
        url = f"{URL}{secret_customer.pk}/reveal/"
        assert agent_api.post(url, {"field": "phone", "reason": "x"}).status_code == 403
        assert api.post(url, {"field": "phone"}).status_code == 400
        assert api.post(url, {"field": "segment", "reason": "x"}).status_code == 400
        response = api.post(url, {"field": "phone", "reason": "回电"})
        assert response.json() == {"field": "phone", "value": SECRET_PHONE}
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.REVEAL, object_id=str(secret_customer.pk)
            ).count()
            == 1
        )

    def test_reveal_out_of_scope_is_404(
        self, make_user: Any, org: Any, secret_customer: Customer
    ) -> None:
        client = APIClient()
        client.force_authenticate(make_user("unit_manager", unit=org.branch2))
        response = client.post(
            f"{URL}{secret_customer.pk}/reveal/", {"field": "phone", "reason": "x"}
        )
        assert response.status_code == 404

    def test_duplicates_and_merge(self, api: APIClient, make_customer: Any) -> None:
        one = make_customer(phone="13822223333")
        two = make_customer(phone="13822223333")
        dupes = api.get(f"{URL}{one.pk}/duplicates/").json()
        assert [row["id"] for row in dupes] == [two.pk]
        assert api.post(f"{URL}{one.pk}/merge/", {"duplicate": 999999}).status_code == 400
        response = api.post(f"{URL}{one.pk}/merge/", {"duplicate": two.pk})
        assert response.status_code == 200
        assert not Customer.objects.filter(pk=two.pk).exists()

    def test_erase_and_legal_hold(self, admin_user: Any, make_customer: Any) -> None:
        customer = make_customer()
        client = APIClient()
        client.force_authenticate(admin_user)
        hold = client.post(f"{URL}{customer.pk}/legal-hold/", {"hold": True, "reason": "诉讼"})
        assert hold.status_code == 200 and hold.json()["legal_hold"]
        url = f"{URL}{customer.pk}/erase/"
        refused = client.post(url, {"confirmation": customer.number, "reason": "申请"})
        assert refused.status_code == 409
        client.post(f"{URL}{customer.pk}/legal-hold/", {"hold": False})
        wrong = client.post(url, {"confirmation": "nope", "reason": "申请"})
        assert wrong.status_code == 400 and "confirmation" in wrong.json()
        done = client.post(url, {"confirmation": customer.number, "reason": "申请"})
        assert done.status_code == 200 and done.json()["erasure"]

    def test_consents(self, agent_api: APIClient, secret_customer: Customer) -> None:
        url = f"/api/customers/consents/?customer={secret_customer.pk}"
        created = agent_api.post(url, {"purpose": "survey", "channel": "sms"})
        assert created.status_code == 201, created.content
        assert agent_api.post(url, {"purpose": "survey", "channel": "sms"}).status_code == 409
        assert agent_api.post(url, {"purpose": "x", "channel": "sms"}).status_code == 400
        listed = agent_api.get(url).json()
        assert listed["count"] == 1
        consent = Consent.objects.get()
        withdrawn = agent_api.post(f"/api/customers/consents/{consent.pk}/withdraw/")
        assert withdrawn.status_code == 200 and not withdrawn.json()["active"]

    def test_consent_out_of_scope(self, outsider: Any, secret_customer: Customer) -> None:
        client = APIClient()
        client.force_authenticate(outsider)
        url = f"/api/customers/consents/?customer={secret_customer.pk}"
        assert client.post(url, {"purpose": "survey", "channel": "sms"}).status_code == 404

    def test_ticket_api_links_customer(self, agent_api: APIClient, org: Any) -> None:
        response = agent_api.post(
            "/api/servicedesk/tickets/",
            {
                "kind": "consultation",
                "channel": "phone",
                "title": "咨询",
                "customer_id_number": SECRET_ID,
            },
        )
        assert response.status_code == 201, response.content
        customer = Customer.objects.get()
        assert response.json()["customer"] == customer.pk
        bad = agent_api.post(
            "/api/servicedesk/tickets/",
            {
                "kind": "consultation",
                "channel": "phone",
                "title": "咨询",
                "customer_id_number": "110105194912310022",
            },
        )
        assert bad.status_code == 400 and "customer_id_number" in bad.json()
        other = Customer.objects.create(number="CUX", org_unit=org.branch1)
        hidden = agent_api.post(
            "/api/servicedesk/tickets/",
            {"kind": "consultation", "channel": "phone", "title": "咨询", "customer": other.pk},
        )
        assert hidden.status_code == 400 and "customer" in hidden.json()

    def test_openapi_schema_has_the_endpoints(self, api: APIClient) -> None:
        response = api.get("/api/schema/", {"format": "json"})
        assert response.status_code == 200
        paths = response.json()["paths"]
        for path in (
            "/api/customers/customers/",
            "/api/customers/customers/lookup/",
            "/api/customers/customers/{id}/history/",
            "/api/customers/customers/{id}/reveal/",
            "/api/customers/customers/{id}/merge/",
        ):
            assert path in paths, path
