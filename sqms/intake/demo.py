"""Demo data for `sqms demo`: the customer-service mailbox, an app integration, and a few
inbound messages — tickets made, a reply added, an auto-reply ignored, one quarantined and one
dead letter for the administrator to look at."""

import json
import time
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from sqms.core.system_actor import system_actor
from sqms.intake import services
from sqms.intake.models import Mailbox
from sqms.intake.webhooks import receive_webhook, sign

CENTRE = "HNTEL-CC"
MAILBOX = "kefu@hntel.example.cn"
CUSTOMER = "chen.jing@example.com"


def _mail(number: int, subject: str, body: str, sender: str = CUSTOMER, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"陈静 <{sender}>"
    message["To"] = MAILBOX
    message["Subject"] = subject
    message["Message-ID"] = f"<demo-{number}@mail.example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes(policy=SMTP)


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    centre = units.get(CENTRE)
    if centre is None or Mailbox.objects.filter(address=MAILBOX).exists():
        return
    actor = system_actor()
    services.create_mailbox(
        actor=actor, org_unit=centre, address=MAILBOX, name="客户服务邮箱", is_default=True
    )
    issued = services.create_integration(
        actor=actor, org_unit=centre, name="掌上营业厅 App", channel="app"
    )

    def receive(raw: bytes, sender: str = CUSTOMER) -> Any:
        return services.receive_email(raw, recipients=[MAILBOX], envelope_sender=sender)

    first = receive(
        _mail(
            1,
            "咨询：5G 套餐如何变更",
            "您好，我想把现在的 4G 套餐换成 5G 畅享 129 元套餐，需要到营业厅办理吗？",
        )
    )
    receive(
        _mail(
            2,
            "投诉：宽带连续三天断网",
            "家里宽带从周一起每天晚上断网，报修两次都没人上门，请尽快处理。",
        )
    )
    if first.ticket is not None:
        number = first.ticket.number
        receive(_mail(3, f"回复：{number} 咨询：5G 套餐如何变更", "另外请问变更后当月就生效吗？"))
        receive(
            _mail(4, f"Re: {number}", "我是她家人，帮她问一下进度。", sender="li.ming@example.org"),
            sender="li.ming@example.org",
        )
    receive(
        _mail(5, "自动回复：休假中", "我正在休假，10 月 8 日返回。", Auto_Submitted="auto-replied")
    )
    receive(b"\x00\x01\x02 \xff\xfe corrupted message from a broken relay\r\n")

    body = json.dumps(
        {
            "title": "App 缴费后余额未更新",
            "description": "昨晚在 App 交了 100 元话费，今天余额还是没变。",
            "customer": {"name": "黄磊", "phone": "13925001234", "external_id": "app-10086"},
        },
        ensure_ascii=False,
    ).encode()
    stamp = str(int(time.time()))
    receive_webhook(
        channel="app",
        key_id=issued.integration.key_id,
        timestamp=stamp,
        signature=sign(issued.secret, stamp, body),
        idempotency_key="demo-app-1",
        body=body,
    )
