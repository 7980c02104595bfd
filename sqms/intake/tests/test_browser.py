"""A hall manager's journey in a real browser: a customer's relative replies to a ticket by
e-mail, the gateway quarantines the reply (not the ticket's customer), the manager finds it in
the inbound-message list, reads it and adds it to the ticket."""

from typing import Any

import pytest

from sqms.core.tests.factories import UserFactory
from sqms.intake import services
from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage, Mailbox
from sqms.intake.tests import mails
from sqms.servicedesk.choices import EventType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_accepts_a_quarantined_reply(
    browser_page: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    from sqms.core.tests.web import click_nav

    Mailbox.objects.create(address="service@example.cn", name="客服邮箱", org_unit=org.hall1)
    UserFactory(org_unit=org.hall1, roles=["unit_manager"], username="wu", language="zh-hans")
    first = services.receive_email(
        mails.plain(), recipients=["service@example.cn"], envelope_sender=mails.CUSTOMER
    )
    assert first.ticket is not None
    number = first.ticket.number
    reply = services.receive_email(
        mails.plain(
            subject=f"回复：{number}", body="我是他妻子，网络还是不通。", sender="li@example.org"
        ),
        recipients=["service@example.cn"],
        envelope_sender="li@example.org",
    )
    assert reply.status == MessageStatus.QUARANTINED

    page = browser_page
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "wu")
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()

    click_nav(page, "intake_messages")
    rows = page.locator("[data-testid=message-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("已隔离")
    expect(rows.first).not_to_contain_text("li@example.org")
    rows.first.locator("a").first.click()
    expect(page.locator("[data-testid=message-body]")).to_contain_text("网络还是不通")
    screenshot("intake-quarantined-reply")
    page.locator("[data-testid=accept-append]").click()
    expect(page.locator("[data-testid=message-status]")).to_contain_text("已追加到工单")
    reply.refresh_from_db()
    assert reply.event is not None and reply.event.event_type == EventType.CUSTOMER_MESSAGE
    assert InboundMessage.objects.get(pk=reply.pk).status == MessageStatus.APPENDED
