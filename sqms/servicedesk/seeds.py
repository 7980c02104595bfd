"""Seed data of the service desk: the problem-type tree, the priority matrix, SLA policies.

Applied by migration 0003 and again after every flush (post_migrate), idempotently.
"""

from typing import Any

# (code, 中文, English, children)
CATEGORIES: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    ("system_failure", "系统性故障", "System failure", []),
    (
        "process_anomaly",
        "服务流程异常",
        "Service process anomaly",
        [
            ("process_delay", "办理超时", "Handling delayed"),
            ("process_error", "办理差错", "Handling error"),
        ],
    ),
    ("service_attitude", "服务态度", "Service attitude", []),
    (
        "equipment_failure",
        "设备故障",
        "Equipment failure",
        [
            ("self_service_terminal", "自助终端故障", "Self-service terminal failure"),
            ("queue_machine", "叫号机故障", "Queue ticket machine failure"),
        ],
    ),
    ("data_anomaly", "数据异常", "Data anomaly", []),
    (
        "billing",
        "资费",
        "Billing",
        [
            ("billing_dispute", "话费争议", "Bill dispute"),
            ("plan_change", "套餐变更", "Plan change"),
        ],
    ),
    (
        "network",
        "网络质量",
        "Network quality",
        [
            ("broadband_outage", "宽带断网", "Broadband outage"),
            ("weak_signal", "信号弱", "Weak mobile signal"),
        ],
    ),
    ("other", "其他", "Other", []),
]

# impact × urgency → priority, 1 = high: high/high is P1, low/low P4.
MATRIX = {
    (1, 1): 1,
    (1, 2): 2,
    (1, 3): 3,
    (2, 1): 2,
    (2, 2): 3,
    (2, 3): 4,
    (3, 1): 3,
    (3, 2): 4,
    (3, 3): 4,
}

# Ties between equally specific policies go to the older (lower id), so the order matters:
# a P1 complaint gets P1's faster targets, a complaint by phone the complaint commitment.
SLA_POLICIES: list[dict[str, Any]] = [
    {
        "name": "P1 重大故障 / P1 critical",
        "priority": 1,
        "response_minutes": 30,
        "resolve_minutes": 4 * 60,
        "business_time": False,
        "warn_percent": 50,
        "escalate_to_manager": True,
    },
    {
        "name": "投诉 / Complaints",
        "kind": "complaint",
        "response_minutes": 24 * 60,
        "resolve_minutes": 48 * 60,
        "business_time": True,
    },
    {
        "name": "营业厅业务办理 / Business requests at the counter",
        "kind": "business",
        "channel": "counter",
        "response_minutes": 3,
        "resolve_minutes": 20,
        "business_time": False,
    },
    {
        "name": "电话业务办理 / Business requests by phone",
        "kind": "business",
        "channel": "phone",
        "response_minutes": 3,
        "resolve_minutes": 20,
        "business_time": False,
    },
    {
        "name": "业务办理 / Business requests",
        "kind": "business",
        "response_minutes": 20,
        "resolve_minutes": 20,
        "business_time": True,
    },
    {
        "name": "营业厅首次响应 / Counter first response",
        "channel": "counter",
        "response_minutes": 3,
        "resolve_minutes": 24 * 60,
        "business_time": False,
    },
    {
        "name": "电话首次响应 / Phone first response",
        "channel": "phone",
        "response_minutes": 3,
        "resolve_minutes": 24 * 60,
        "business_time": False,
    },
    {
        "name": "默认 / Default",
        "response_minutes": 4 * 60,
        "resolve_minutes": 24 * 60,
        "business_time": True,
    },
]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STEPLEN = 3  # Category.steplen


def _step(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, len(_ALPHABET))
        digits = _ALPHABET[rest] + digits
        if not number:
            return digits.rjust(_STEPLEN, "0")


def seed(apps: Any, schema_editor: Any) -> None:
    category_model = apps.get_model("servicedesk", "Category")
    rule_model = apps.get_model("servicedesk", "PriorityRule")
    policy_model = apps.get_model("servicedesk", "SlaPolicy")

    # Historical models lack treebeard's methods, so build the materialised paths here.
    if not category_model.objects.exists():
        for index, (code, name, name_en, children) in enumerate(CATEGORIES, start=1):
            root_path = _step(index)
            category_model.objects.create(
                path=root_path,
                depth=1,
                numchild=len(children),
                code=code,
                name=name,
                name_en=name_en,
            )
            for child_index, (child_code, child_name, child_en) in enumerate(children, start=1):
                category_model.objects.create(
                    path=root_path + _step(child_index),
                    depth=2,
                    numchild=0,
                    code=child_code,
                    name=child_name,
                    name_en=child_en,
                )

    for (impact, urgency), priority in MATRIX.items():
        rule_model.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )

    if not policy_model.objects.exists():
        for values in SLA_POLICIES:
            policy_model.objects.create(**values)


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("servicedesk", "SlaPolicy").objects.filter(
        name__in=[values["name"] for values in SLA_POLICIES]
    ).delete()
    apps.get_model("servicedesk", "PriorityRule").objects.all().delete()
    category_model = apps.get_model("servicedesk", "Category")
    codes = [code for code, *_rest in CATEGORIES]
    codes += [child[0] for *_head, children in CATEGORIES for child in children]
    category_model.objects.filter(code__in=codes).delete()
