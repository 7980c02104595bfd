"""The intake pages: mailboxes, integrations and the inbound message list and decisions."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.tests.api_cases import grant
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage, Integration, Mailbox
from sqms.intake.tests import mails
from sqms.intake.tests.test_api import (
    INTEGRATION_PERMS,
    MAILBOX_PERMS,
    MESSAGE_PERMS,
    make_message,
)


class TestMailboxViews(ViewCase):
    model = Mailbox
    list_url_name = "intake_mailbox_list"
    detail_url_name = "intake_mailbox_detail"
    create_url_name = "intake_mailbox_create"
    edit_url_name = "intake_mailbox_edit"
    delete_url_name = "intake_mailbox_delete"
    actor_permissions = MAILBOX_PERMS

    def make_in_scope(self, org: Any, n: int) -> Mailbox:
        return Mailbox.objects.create(
            address=f"v{n}@example.cn", name=f"邮箱{n}", org_unit=org.hall1
        )

    def make_out_of_scope(self, org: Any, n: int) -> Mailbox:
        return Mailbox.objects.create(address=f"o{n}@example.cn", name="外", org_unit=org.hall2)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "address": "hall@example.cn",
            "name": "营业厅邮箱",
            "org_unit": org.hall1.pk,
            "default_kind": "",
            "active": "on",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "address": obj.address,
            "name": "新名字",
            "org_unit": org.counter1.pk,
            "default_kind": "complaint",
            "is_default": "on",
            "active": "",
        }

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"address": "nope", "name": "", "org_unit": org.hall1.pk}, {"address", "name"}),
            ({**self.create_data(org), "org_unit": org.hall2.pk}, {"org_unit"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        taken = self.new_in_scope(org)
        return [({**self.edit_data(org, obj), "address": taken.address}, {"address"})]  # type: ignore[attr-defined]


class TestIntegrationViews(ViewCase):
    model = Integration
    list_url_name = "intake_integration_list"
    detail_url_name = "intake_integration_detail"
    create_url_name = "intake_integration_create"
    edit_url_name = "intake_integration_edit"
    actor_permissions = INTEGRATION_PERMS

    def _make(self, unit: Any, n: int) -> Integration:
        return Integration.objects.create(
            name=f"集成{n}", channel="wechat", key_id=f"ik_v{n}", secret="s" * 64, org_unit=unit
        )

    def make_in_scope(self, org: Any, n: int) -> Integration:
        return self._make(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Integration:
        return self._make(org.hall2, n)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "name": "企业微信",
            "channel": "wechat",
            "org_unit": org.hall1.pk,
            "default_kind": "",
            "rate_limit_per_minute": 60,
            "active": "on",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "name": "企业微信（改）", "rate_limit_per_minute": 10}

    def find_created(self, data: dict[str, Any]) -> Integration | None:
        return Integration.objects.filter(name=data["name"]).first()

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"name": "", "channel": "fax", "org_unit": org.hall1.pk}, {"name", "channel"})]

    def test_secret_shown_once_then_rotated_and_deactivated(
        self, browser: Client, org: Any
    ) -> None:
        response = browser.post(reverse(self.create_url_name), self.create_data(org), follow=True)
        integration = Integration.objects.get(name="企业微信")
        assert integration.secret.encode() in response.content
        again = browser.get(reverse(self.detail_url_name, args=[integration.pk]))
        assert integration.secret.encode() not in again.content
        rotated = browser.post(
            reverse("intake_integration_rotate", args=[integration.pk]), follow=True
        )
        integration.refresh_from_db()
        assert integration.secret.encode() in rotated.content
        browser.post(reverse("intake_integration_deactivate", args=[integration.pk]))
        integration.refresh_from_db()
        assert not integration.active


class TestInboundMessageViews(ViewCase):
    model = InboundMessage
    list_url_name = "intake_message_list"
    detail_url_name = "intake_message_detail"
    actor_permissions = MESSAGE_PERMS

    def make_in_scope(self, org: Any, n: int) -> InboundMessage:
        return make_message(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> InboundMessage:
        return make_message(org.hall2, n)


@pytest.fixture
def manager_browser(org: Any, make_user: Any) -> Client:
    client = Client()
    web_login(client, make_user("unit_manager", unit=org.hall1))
    return client


@pytest.mark.django_db
def test_detail_shows_body_masked_sender_and_error(
    manager_browser: Client, org: Any, mailbox: Mailbox
) -> None:
    from sqms.intake import services

    message = services.receive_email(
        mails.html_only("话费", "<p>多扣<script>x()</script>了</p>"),
        recipients=["nobody@example.cn"],
        envelope_sender=mails.CUSTOMER,
    )
    InboundMessage.objects.filter(pk=message.pk).update(org_unit=org.hall1)
    page = manager_browser.get(reverse("intake_message_detail", args=[message.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "多扣了" in html and "x()" not in html.split('data-testid="message-body"')[1][:200]
    assert mails.CUSTOMER not in html and "z*" in html
    listed = manager_browser.get(reverse("intake_message_list")).content.decode()
    assert mails.CUSTOMER not in listed


@pytest.mark.django_db
def test_discard_accept_and_reprocess_pages(
    manager_browser: Client, org: Any, mailbox: Mailbox
) -> None:
    from sqms.intake import services

    stray = services.receive_email(
        mails.plain(), recipients=["nobody@example.cn"], envelope_sender=mails.CUSTOMER
    )
    InboundMessage.objects.filter(pk=stray.pk).update(org_unit=org.hall1)
    url = reverse("intake_message_accept", args=[stray.pk])
    manager_browser.post(url, {"as": "new", "org_unit": org.hall1.pk})
    stray.refresh_from_db()
    assert stray.status == MessageStatus.TICKET_CREATED and stray.ticket is not None

    dead = make_message(org.hall1, 77, status=MessageStatus.DEAD_LETTER)
    refused = manager_browser.post(
        reverse("intake_message_discard", args=[dead.pk]), {"reason": ""}, follow=True
    )
    assert refused.status_code == 200
    dead.refresh_from_db()
    assert dead.status == MessageStatus.DEAD_LETTER
    manager_browser.post(reverse("intake_message_discard", args=[dead.pk]), {"reason": "测试"})
    dead.refresh_from_db()
    assert dead.status == MessageStatus.DISCARDED

    other = make_message(org.hall1, 78, status=MessageStatus.DEAD_LETTER)
    manager_browser.post(reverse("intake_message_reprocess", args=[other.pk]))
    other.refresh_from_db()
    assert other.attempts == 1


@pytest.mark.django_db
def test_list_filters_default_to_what_needs_a_decision(org: Any, make_user: Any) -> None:
    done = make_message(org.hall1, 81, status=MessageStatus.TICKET_CREATED)
    waiting = make_message(org.hall1, 82)
    user = make_user(unit=org.hall1)
    grant(user, *MESSAGE_PERMS)
    client = web_login(Client(), user)
    shown = {m.pk for m in client.get(reverse("intake_message_list")).context["page"].object_list}
    assert waiting.pk in shown and done.pk not in shown
    everything = client.get(reverse("intake_message_list"), {"q": ""}).context["page"]
    assert done.pk in {m.pk for m in everything.object_list}


@pytest.mark.django_db
def test_ticket_page_section_lists_the_tickets_messages(
    org: Any, make_user: Any, mailbox: Mailbox, rf: Any
) -> None:
    from sqms.intake import services
    from sqms.intake.sections import ticket_messages

    message = services.receive_email(
        mails.plain(), recipients=[mailbox.address], envelope_sender=mails.CUSTOMER
    )
    request = rf.get("/")
    request.user = make_user("unit_manager", unit=org.hall1)
    section = ticket_messages(request, message.ticket)
    assert section is not None and section["messages"] == [message]
    request.user = make_user("agent", unit=org.hall1)  # no intake permission
    assert ticket_messages(request, message.ticket) is None
    request.user = make_user("unit_manager", unit=org.hall2)  # out of scope
    assert ticket_messages(request, message.ticket) is None


@pytest.mark.django_db
def test_ticket_page_shows_the_intake_card(
    org: Any, mailbox: Mailbox, manager_browser: Client
) -> None:
    from sqms.intake import services

    message = services.receive_email(
        mails.plain(), recipients=[mailbox.address], envelope_sender=mails.CUSTOMER
    )
    assert message.ticket is not None
    page = manager_browser.get(reverse("ticket_detail", args=[message.ticket.pk]))
    assert page.status_code == 200
    assert b'data-testid="intake-section"' in page.content
    assert reverse("intake_message_detail", args=[message.pk]).encode() in page.content
