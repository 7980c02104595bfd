"""The intake administration API: mailboxes, integrations and inbound messages."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.core.models import AuditEvent
from sqms.core.tests.api_cases import APICase
from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage, Integration, Mailbox

MAILBOX_PERMS = tuple(f"intake.{verb}_mailbox" for verb in ("view", "add", "change", "delete"))
INTEGRATION_PERMS = tuple(
    f"intake.{verb}_integration" for verb in ("view", "add", "change", "delete")
)
MESSAGE_PERMS = ("intake.view_inboundmessage", "intake.process_inboundmessage")


class TestMailboxAPI(APICase):
    url = "/api/intake/mailboxes/"
    model = Mailbox
    actor_permissions = MAILBOX_PERMS

    def make_in_scope(self, org: Any, n: int) -> Mailbox:
        return Mailbox.objects.create(
            address=f"in{n}@example.cn", name=f"邮箱{n}", org_unit=org.hall1
        )

    def make_out_of_scope(self, org: Any, n: int) -> Mailbox:
        return Mailbox.objects.create(address=f"out{n}@example.cn", name="外", org_unit=org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "address": "complaints@example.cn",
            "name": "投诉邮箱",
            "org_unit": org.hall1.pk,
            "default_kind": "complaint",
            "is_default": False,
            "active": True,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "address": f"new{obj.pk}@example.cn"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"name": "改名了", "active": False}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        taken = self.new_in_scope(org)
        good = self.create_payload(org)
        return [
            ({**good, "address": "not-an-address"}, {"address"}),
            ({**good, "address": taken.address}, {"address"}),  # type: ignore[attr-defined]
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "default_kind": "bogus"}, {"default_kind"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"org_unit": org.hall2.pk}, {"org_unit"}), ({"name": ""}, {"name"})]


class TestIntegrationAPI(APICase):
    url = "/api/intake/integrations/"
    model = Integration
    actor_permissions = INTEGRATION_PERMS
    actions = ("list", "retrieve", "create", "update", "partial_update")

    def _make(self, unit: Any, n: int) -> Integration:
        return Integration.objects.create(
            name=f"集成{n}", channel="app", key_id=f"ik_test{n}", secret="s" * 64, org_unit=unit
        )

    def make_in_scope(self, org: Any, n: int) -> Integration:
        return self._make(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Integration:
        return self._make(org.hall2, n)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "name": "微博客服",
            "channel": "social",
            "org_unit": org.call_centre.pk,
            "default_kind": "",
            "rate_limit_per_minute": 30,
            "active": True,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "name": "微博客服（新）"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"active": False}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "channel": "email"}, {"channel"}),
            ({**good, "name": ""}, {"name"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "rate_limit_per_minute": -1}, {"rate_limit_per_minute"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"org_unit": org.hall2.pk}, {"org_unit"}), ({"channel": "x"}, {"channel"})]

    def test_secret_only_in_creation_and_rotation(self, api: APIClient, org: Any) -> None:
        created = api.post(self.url, self.create_payload(org))
        assert created.status_code == 201
        secret = created.json()["secret"]
        assert len(secret) == 64
        detail = api.get(f"{self.url}{created.json()['id']}/").json()
        assert "secret" not in detail
        rotated = api.post(f"{self.url}{created.json()['id']}/rotate/")
        assert rotated.status_code == 200 and rotated.json()["secret"] != secret
        assert AuditEvent.objects.filter(action="security").exists()
        # Neither the secret nor its ciphertext reaches the audit log.
        assert not AuditEvent.objects.filter(after__icontains=secret).exists()


def make_message(unit: Any, n: int, **values: Any) -> InboundMessage:
    values.setdefault("status", MessageStatus.QUARANTINED)
    message = InboundMessage(
        source="email",
        org_unit=unit,
        subject=f"主题{n}",
        sender=f"customer{n}@example.com",
        **values,
    )
    message.raw_bytes = f"From: customer{n}@example.com\r\nSubject: s\r\n\r\nbody\r\n".encode()
    message.save()
    return message


class TestInboundMessageAPI(APICase):
    url = "/api/intake/messages/"
    model = InboundMessage
    actor_permissions = MESSAGE_PERMS
    actions = ("list", "retrieve")

    def make_in_scope(self, org: Any, n: int) -> InboundMessage:
        return make_message(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> InboundMessage:
        return make_message(org.hall2, n)

    def test_sender_is_masked(self, api: APIClient, org: Any) -> None:
        message = self.new_in_scope(org)
        body = api.get(f"{self.url}{message.pk}/").json()
        assert body["sender"].startswith("c*") and "customer" not in body["sender"]
        assert "raw" not in body

    def test_discard_and_reprocess(self, api: APIClient, org: Any) -> None:
        message = self.new_in_scope(org)
        missing = api.post(f"{self.url}{message.pk}/discard/", {})
        assert missing.status_code == 400 and "reason" in missing.json()
        again = api.post(f"{self.url}{message.pk}/reprocess/")
        assert again.status_code == 200, again.content
        # No mailbox: it stays quarantined.
        assert again.json()["status"] == MessageStatus.QUARANTINED
        done = api.post(f"{self.url}{message.pk}/discard/", {"reason": "广告"})
        assert done.status_code == 200 and done.json()["status"] == MessageStatus.DISCARDED
        assert api.post(f"{self.url}{message.pk}/discard/", {"reason": "x"}).status_code == 409
        outside = self.new_out_of_scope(org)
        assert api.post(f"{self.url}{outside.pk}/reprocess/").status_code == 404

    def test_view_only_user_cannot_decide(self, org: Any, make_user: Any) -> None:
        from sqms.core.tests.api_cases import grant

        viewer = make_user(unit=org.branch1)
        grant(viewer, "intake.view_inboundmessage")
        client = APIClient()
        client.force_authenticate(viewer)
        message = self.new_in_scope(org)
        assert client.post(f"{self.url}{message.pk}/reprocess/").status_code == 403


@pytest.mark.django_db
def test_unit_manager_role_sees_own_units_quarantine(org: Any, make_user: Any) -> None:
    mine = make_message(org.hall1, 901)
    other = make_message(org.hall2, 902)
    stray = make_message(None, 903)
    client = APIClient()
    client.force_authenticate(make_user("unit_manager", unit=org.branch1))
    ids = {row["id"] for row in client.get("/api/intake/messages/").json()["results"]}
    assert mine.pk in ids and other.pk not in ids and stray.pk not in ids
    client.force_authenticate(make_user("admin", unit=org.hq))
    ids = {row["id"] for row in client.get("/api/intake/messages/").json()["results"]}
    assert {mine.pk, other.pk, stray.pk} <= ids
