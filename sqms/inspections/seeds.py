"""The seed checklists: the service-hall inspection, the mystery-shopper script and the ticket
review checklist. Created by a data migration and, idempotently, after every migrate (so a
flushed test database gets them back); an existing template is never changed."""

from decimal import Decimal
from typing import Any

# (zh, en, weight, scoring, max score, N/A allowed, critical)
Item = tuple[str, str, int, str, int, bool, bool]
PF, SC = "pass_fail", "scale"

HALL_SECTIONS: list[tuple[str, str, list[Item]]] = [
    (
        "环境卫生",
        "Cleanliness and environment",
        [
            (
                "营业厅地面、台面、玻璃门窗干净整洁，无污渍、无杂物",
                "Floors, counters and glass clean, no litter",
                2,
                SC,
                5,
                False,
                False,
            ),
            (
                "业务受理台面物品摆放整齐，无私人物品",
                "Counter tops tidy, no personal items",
                1,
                PF,
                1,
                False,
                False,
            ),
            (
                "绿植养护良好，无枯叶，垃圾桶及时清理",
                "Plants cared for, bins emptied",
                1,
                PF,
                1,
                False,
                False,
            ),
            (
                "厅内温度、照明适宜，无异味、无噪音干扰",
                "Temperature and lighting comfortable, no smell or noise",
                1,
                SC,
                5,
                False,
                False,
            ),
            (
                "卫生间（如有）清洁，标识清晰",
                "Restroom (if any) clean and signposted",
                1,
                PF,
                1,
                True,
                False,
            ),
        ],
    ),
    (
        "设施设备",
        "Facilities and equipment",
        [
            (
                "排队叫号机运行正常，叫号清晰",
                "Queue ticket machine works, calls are clear",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "自助终端正常可用，故障有告示并已报修",
                "Self-service terminals work; faults signposted and reported",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "POS机、读卡器、打印机等业务设备运行正常",
                "POS, card readers and printers work",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "客户等候座椅充足完好，饮水设施可用",
                "Enough waiting seats in good repair; drinking water available",
                1,
                SC,
                5,
                False,
                False,
            ),
            (
                "演示体验机通电可用，资费标签与实物一致",
                "Demo handsets powered, price tags match",
                1,
                PF,
                1,
                True,
                False,
            ),
        ],
    ),
    (
        "人员仪容仪表与服务规范",
        "Staff appearance and conduct",
        [
            (
                "按规定统一着工装、佩戴工号牌",
                "Uniform worn and name badge displayed",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "仪容整洁，发型、妆容、饰品符合规范",
                "Neat grooming per the dress code",
                1,
                SC,
                5,
                False,
                False,
            ),
            (
                "客户到柜主动起身或微笑问候，使用文明用语",
                "Greets arriving customers with a smile and polite words",
                3,
                SC,
                5,
                False,
                False,
            ),
            (
                "服务过程中不做与工作无关的事（玩手机、闲聊、吃东西）",
                "No unrelated activity while serving (phones, chatting, eating)",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "落实首问负责制，不推诿客户",
                "First-contact ownership; customers are not passed around",
                3,
                PF,
                1,
                False,
                True,
            ),
            (
                "暂停服务时放置“暂停服务”提示牌",
                "'Service paused' sign placed when a counter pauses",
                1,
                PF,
                1,
                False,
                False,
            ),
        ],
    ),
    (
        "公告与资费公示",
        "Notices and price boards",
        [
            (
                "营业执照、服务承诺、营业时间在显著位置公示",
                "Licence, service pledge and opening hours displayed",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "资费标准公示完整、准确、与系统一致，无过期资费",
                "Tariff board complete, correct, current",
                3,
                PF,
                1,
                False,
                True,
            ),
            (
                "宣传资料摆放整齐，无过期活动海报",
                "Leaflets tidy, no expired promotions",
                1,
                PF,
                1,
                False,
                False,
            ),
            (
                "投诉电话、意见簿或意见箱公示并可用",
                "Complaint hotline and feedback book or box displayed",
                2,
                PF,
                1,
                False,
                False,
            ),
        ],
    ),
    (
        "无障碍设施",
        "Accessibility",
        [
            (
                "无障碍通道畅通，无杂物堆放",
                "Step-free access clear of obstacles",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "设置爱心（低位）服务窗口并有明显标识",
                "Low priority counter provided and signposted",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "配备老花镜、轮椅、助听或放大设备等便民物品",
                "Reading glasses, wheelchair, hearing or magnifying aids available",
                1,
                PF,
                1,
                False,
                False,
            ),
            (
                "老年人、残障人士优先办理落实到位",
                "Elderly and disabled customers served first",
                2,
                SC,
                5,
                False,
                False,
            ),
        ],
    ),
    (
        "安全管理",
        "Safety",
        [
            (
                "消防器材齐全有效，在检验期内，位置标识清晰",
                "Fire extinguishers present, in date, signposted",
                3,
                PF,
                1,
                False,
                True,
            ),
            (
                "安全出口、疏散通道畅通，应急照明正常",
                "Exits and escape routes clear; emergency lights work",
                3,
                PF,
                1,
                False,
                True,
            ),
            (
                "现金、有价卡、终端库存按规定保管，保险柜上锁",
                "Cash, vouchers and stock stored as required, safe locked",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "监控设备运行正常，录像保存期符合要求",
                "CCTV works and recordings are kept as required",
                1,
                PF,
                1,
                False,
                False,
            ),
            (
                "客户信息资料妥善保管，无随意放置的受理单据",
                "Customer documents secured, no forms left lying around",
                3,
                PF,
                1,
                False,
                True,
            ),
        ],
    ),
]

MYSTERY_SECTIONS: list[tuple[str, str, list[Item]]] = [
    (
        "迎接问候",
        "Greeting",
        [
            (
                "进厅 30 秒内有工作人员主动问候或引导",
                "Greeted or guided within 30 s of entering",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "引导员询问需求并正确分流取号",
                "Floor staff ask the need and issue the right queue ticket",
                2,
                SC,
                5,
                False,
                False,
            ),
            (
                "到柜时营业员起身或微笑问候，使用“您好”等文明用语",
                "Clerk greets with a smile and polite words",
                2,
                SC,
                5,
                False,
                False,
            ),
        ],
    ),
    (
        "需求探询",
        "Needs discovery",
        [
            (
                "主动询问并确认客户需求，不打断客户",
                "Asks and confirms the need without interrupting",
                3,
                SC,
                5,
                False,
                False,
            ),
            (
                "根据客户使用情况推荐合适的套餐或业务",
                "Recommends a plan that fits the customer's usage",
                2,
                SC,
                5,
                True,
                False,
            ),
            (
                "办理前核验客户身份证件",
                "Checks the customer's ID before acting",
                3,
                PF,
                1,
                False,
                True,
            ),
        ],
    ),
    (
        "信息准确性",
        "Accuracy of information",
        [
            (
                "资费、合约期、违约责任等说明准确完整",
                "Tariff, contract term and penalties explained correctly",
                4,
                SC,
                5,
                False,
                True,
            ),
            (
                "不夸大宣传、不强制捆绑、不违规承诺",
                "No overselling, forced bundling or improper promises",
                3,
                PF,
                1,
                False,
                True,
            ),
            (
                "办理结果与客户需求一致，单据信息准确",
                "Result matches the need; documents correct",
                3,
                PF,
                1,
                False,
                False,
            ),
        ],
    ),
    (
        "办理时长",
        "Handling time",
        [
            (
                "取号至叫号等候时间不超过 15 分钟",
                "Waiting from ticket to call ≤ 15 min",
                2,
                PF,
                1,
                False,
                False,
            ),
            ("业务办理时长不超过 20 分钟", "Handling time ≤ 20 min", 2, PF, 1, False, False),
            (
                "需等待时主动说明原因和预计时间",
                "Explains the reason and expected time of any wait",
                1,
                PF,
                1,
                True,
                False,
            ),
        ],
    ),
    (
        "送别致意",
        "Farewell",
        [
            (
                "双手递交单据、证件并提醒客户核对",
                "Hands back documents with both hands and asks to check them",
                1,
                PF,
                1,
                False,
                False,
            ),
            (
                "询问“还有什么可以帮您”并礼貌道别",
                "Asks 'anything else?' and says goodbye politely",
                2,
                SC,
                5,
                False,
                False,
            ),
            (
                "邀请客户进行服务评价",
                "Invites the customer to rate the service",
                1,
                PF,
                1,
                False,
                False,
            ),
        ],
    ),
]

REVIEW_SECTIONS: list[tuple[str, str, list[Item]]] = [
    (
        "受理准确性",
        "Accuracy of registration",
        [
            (
                "工单类型、问题分类选择正确",
                "Kind and problem type are right",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "客户诉求记录完整、准确，关键信息无遗漏",
                "The request is recorded fully and correctly",
                3,
                SC,
                5,
                False,
                False,
            ),
            (
                "优先级判定符合影响度与紧急度规则",
                "Priority follows the impact × urgency rules",
                1,
                PF,
                1,
                False,
                False,
            ),
        ],
    ),
    (
        "流程合规性",
        "Compliance with the process",
        [
            (
                "在时限内首次响应，超时有说明",
                "First response in time, or the delay explained",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "转派、升级符合流程，首问负责人全程跟进",
                "Hand-overs and escalations follow the process; first-contact owner followed up",
                2,
                SC,
                5,
                False,
                False,
            ),
            (
                "涉及客户信息的操作经过身份核验",
                "Customer data handled only after identity check",
                3,
                PF,
                1,
                False,
                True,
            ),
        ],
    ),
    (
        "沟通表达",
        "Communication",
        [
            (
                "回复客户语言规范、态度友好、表达清晰",
                "Replies polite, friendly and clear",
                2,
                SC,
                5,
                False,
                False,
            ),
            (
                "及时向客户告知处理进展",
                "Customer told about progress in time",
                2,
                SC,
                5,
                True,
                False,
            ),
        ],
    ),
    (
        "办结正确性",
        "Correctness of the closure",
        [
            (
                "处理结果解决了客户问题，解决方案正确",
                "The resolution solves the problem correctly",
                4,
                SC,
                5,
                False,
                True,
            ),
            (
                "办结前经验证并取得客户确认或按规定超时归档",
                "Verified and confirmed by the customer (or archived after the timeout)",
                2,
                PF,
                1,
                False,
                False,
            ),
            (
                "根因及服务差错标记填写正确",
                "Root cause and service error flag recorded correctly",
                1,
                PF,
                1,
                False,
                False,
            ),
        ],
    ),
]

SEEDS: list[dict[str, Any]] = [
    {
        "code": "hall-inspection",
        "name": "营业厅现场检查表",
        "name_en": "Service hall on-site inspection",
        "kind": "on_site",
        "description": "依据营业厅服务规范，对环境、设施、人员、公示、无障碍与安全进行现场检查。",
        "threshold": Decimal("85"),
        "sections": HALL_SECTIONS,
    },
    {
        "code": "mystery-shopper",
        "name": "神秘顾客暗访脚本",
        "name_en": "Mystery-shopper script",
        "kind": "mystery_shopper",
        "description": "暗访人员以普通客户身份办理业务，按服务流程各环节评分。",
        "threshold": Decimal("80"),
        "sections": MYSTERY_SECTIONS,
    },
    {
        "code": "ticket-review",
        "name": "工单复核检查表",
        "name_en": "Ticket review checklist",
        "kind": "ticket_review",
        "description": "质检员对已归档工单的受理、流程、沟通与办结进行复核评分。",
        "threshold": Decimal("80"),
        "sections": REVIEW_SECTIONS,
    },
]


def seed_checklists(apps: Any = None, schema_editor: Any = None) -> int:
    """Create the seed templates that do not exist yet, each with a published version 1.
    Works with historical models (data migration) and the real ones (post_migrate)."""
    from django.utils import timezone

    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    template_model = apps.get_model("inspections", "ChecklistTemplate")
    version_model = apps.get_model("inspections", "ChecklistVersion")
    section_model = apps.get_model("inspections", "ChecklistSection")
    item_model = apps.get_model("inspections", "ChecklistItem")
    created = 0
    for seed in SEEDS:
        if template_model.objects.filter(code=seed["code"]).exists():
            continue
        template = template_model.objects.create(
            code=seed["code"],
            name=seed["name"],
            name_en=seed["name_en"],
            kind=seed["kind"],
            description=seed["description"],
        )
        version = version_model.objects.create(
            template=template,
            number=1,
            status="published",
            pass_threshold=seed["threshold"],
            published_at=timezone.now(),
            note="初始版本",
        )
        for s_pos, (title, title_en, items) in enumerate(seed["sections"], start=1):
            section = section_model.objects.create(
                version=version, position=s_pos, title=title, title_en=title_en
            )
            item_model.objects.bulk_create(
                item_model(
                    version=version,
                    section=section,
                    position=i_pos,
                    text=text,
                    text_en=text_en,
                    weight=weight,
                    scoring=scoring,
                    max_score=max_score if scoring == SC else 1,
                    na_allowed=na,
                    critical=critical,
                )
                for i_pos, (text, text_en, weight, scoring, max_score, na, critical) in enumerate(
                    items, start=1
                )
            )
        created += 1
    return created
