"""Demo customers for `sqms demo`: about thirty realistic (fictitious) customers of the demo
halls, with consents; valid phone and ID numbers, none of them real."""

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms.core.masking import id_number_check_char
from sqms.customers import services
from sqms.customers.choices import (
    Classification,
    ConsentChannel,
    ConsentPurpose,
    PreferredChannel,
    Segment,
)
from sqms.customers.models import Consent

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓东",
    "建华",
    "志强",
    "海燕",
    "婷",
]
OCCUPATIONS = [
    "教师",
    "工程师",
    "个体经营者",
    "护士",
    "公务员",
    "退休人员",
    "学生",
    "销售经理",
    "快递员",
    "会计",
    "医生",
    "自由职业者",
]
NEEDS = [
    "宽带提速与续约",
    "老人手机套餐咨询",
    "企业专线报障",
    "家庭融合套餐",
    "国际漫游开通",
    "话费账单核对",
    "携号转网咨询",
    "",
]
HABITS = [
    "工作日晚上方便接听电话",
    "偏好到厅办理",
    "习惯使用微信沟通",
    "需要大字版资料",
    "周末上午到厅",
    "",
]
HALLS = {
    "HNTEL-GZ-TH": (
        "440106",
        "广东省广州市天河区",
        ["体育西路", "天河路", "林和西路", "黄埔大道西"],
    ),
    "HNTEL-SZ-FT": ("440304", "广东省深圳市福田区", ["深南大道", "福华路", "益田路", "新洲路"]),
}
COUNT = 30


def _id_number(rng: random.Random, region: str, year: int) -> str:
    first17 = (
        f"{region}{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    )
    return first17 + id_number_check_char(first17)


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    actor = users_by_role.get("agent") or users_by_role.get("admin")
    halls = [(units[code], spec) for code, spec in HALLS.items() if code in units]
    if not halls:
        return
    rng = random.Random(20261121)  # noqa: S311 - demo data, not security
    now = timezone.now()
    with transaction.atomic():
        for index in range(COUNT):
            unit, (region, city, streets) = halls[index % len(halls)]
            year = rng.randint(1950, 2004)
            values = {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "phone": f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
                "id_number": _id_number(rng, region, year),
                "address": f"{city}{rng.choice(streets)}{rng.randint(1, 300)}号"
                f"{rng.randint(1, 30)}栋{rng.randint(101, 2505)}室",
                "occupation": rng.choice(OCCUPATIONS),
                "segment": rng.choice(Segment.values),
                "preferred_channel": rng.choice(PreferredChannel.values),
                "service_needs": rng.choice(NEEDS),
                "habits": rng.choice(HABITS),
                "classification": rng.choice(
                    [Classification.SENSITIVE] * 3 + [Classification.CONFIDENTIAL]
                ),
            }
            if index % 3 == 0:
                values["email"] = f"customer{index:02d}@example.com"
            if index % 5 == 0:
                values["phone_alt"] = f"020-{rng.randint(3000_0000, 8999_9999)}"
            cleaned = services.clean_profile(values)
            services._derive_from_id(cleaned)
            customer = services._new_customer(actor, unit, cleaned)
            for purpose in rng.sample(ConsentPurpose.values, k=rng.randint(0, 2)):
                Consent.objects.create(
                    customer=customer,
                    purpose=purpose,
                    channel=rng.choice(ConsentChannel.values),
                    given_at=now - timedelta(days=rng.randint(1, 700)),
                    recorded_by=actor,
                )
