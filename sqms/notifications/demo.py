"""Demo data of customer notifications: a few tickets of the Tianhe hall with their
acknowledgements and replies delivered, and one text message the gateway never took."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from sqms.notifications import services
from sqms.notifications.choices import MessageStatus, NotifyEvent
from sqms.notifications.delivery import _record
from sqms.notifications.models import OutboundMessage
from sqms.notifications.outbound import queue_message

HALL = "HNTEL-GZ-TH"

# (title, description, channel, name, phone, e-mail, reply or "", delivered)
TICKETS = [
    (
        "宽带夜间频繁掉线",
        "客户反映近一周每晚 9 点后宽带掉线 3-4 次，已重启光猫无效。",
        "email",
        "陈静",
        "13922001001",
        "chenjing@example.com",
        "陈女士您好，我们已安排装维人员明天上午上门检测线路，届时请保持电话畅通。",
        True,
    ),
    (
        "套餐变更后话费多扣",
        "客户 11 月变更套餐后月租按旧套餐和新套餐各扣一次。",
        "phone",
        "刘洋",
        "13922001002",
        "",
        "",
        True,
    ),
    (
        "营业厅办理携号转网排队时间长",
        "客户投诉周六上午办理携号转网等候超过 50 分钟。",
        "wechat",
        "赵敏",
        "13922001003",
        "",
        "",
        False,
    ),
]


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    from sqms.servicedesk import services as desk

    agent = users_by_role.get("agent")
    hall = units.get(HALL)
    if agent is None or hall is None:
        return
    now = timezone.now()
    for title, description, channel, name, phone, email, reply, delivered in TICKETS:
        ticket = desk.register_ticket(
            actor=agent,
            kind="complaint",
            channel=channel,
            title=title,
            description=description,
            org_unit=hall,
            customer_name=name,
            customer_phone=phone,
        )
        customer = ticket.customer
        if customer is not None and email:
            customer.email = email
            customer.gender = "female"
            customer.save()
        message = queue_message(event=NotifyEvent.ACKNOWLEDGEMENT, ticket=ticket)
        if message is not None:
            _mark(message, delivered, now - timedelta(minutes=30))
        if reply:
            services.reply_to_customer(ticket, actor=agent, text=reply)
            sent = OutboundMessage.objects.filter(ticket=ticket, event=NotifyEvent.REPLY).first()
            if sent is not None:
                _mark(sent, True, now)


def _mark(message: OutboundMessage, delivered: bool, when: Any) -> None:
    """What the worker would have recorded (the demo sends nothing anywhere)."""
    if delivered:
        message.status = MessageStatus.SENT
        message.attempts = 1
        message.sent_at = when
        message.provider_reference = f"<demo{message.pk}@huanan-telecom.example>"
    else:
        message.status = MessageStatus.GAVE_UP
        message.attempts = 5
        message.last_error = "gateway answered HTTP 503"
    message.next_attempt_at = None
    _record(message)
