"""Seed emergency plans, one per event type, for each organisation (root org unit).

Applied by migration 0003 to the organisations that exist, to each organisation created later
(post_save of a root OrgUnit) and again after a flush (post_migrate); idempotent by plan code.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

# Who does what, in every plan (organisation: 指挥中心, 处置组, 技术保障, 后勤保障, 信息发布).
ROLES = [
    {
        "code": "commander",
        "name": "应急指挥长",
        "position": "分管副总经理 / 值班经理",
        "role": "emergency_officer",
    },
    {
        "code": "response",
        "name": "现场处置组",
        "position": "厅经理 / 班组长",
        "role": "unit_manager",
    },
    {
        "code": "tech",
        "name": "技术保障组",
        "position": "信息技术部值班工程师",
        "role": "unit_manager",
    },
    {"code": "comms", "name": "信息发布组", "position": "客服质量管理", "role": "quality_manager"},
    {"code": "logistics", "name": "后勤保障组", "position": "综合部", "role": "unit_manager"},
]

ALL = [1, 2, 3, 4]
SEVERE = [1, 2]

COMMON_STEPS = [
    {
        "phase": "report",
        "levels": ALL,
        "title": "值班人员核实事件并在系统登记（时间、地点、现象、影响）",
        "role": "commander",
        "target_minutes": 5,
    },
    {
        "phase": "assess",
        "levels": ALL,
        "title": "对照分级标准评估事件等级并确定启用预案",
        "role": "commander",
        "target_minutes": 15,
    },
    {
        "phase": "activate",
        "levels": SEVERE,
        "title": "通知应急指挥部全体成员到位，召开首次应急会议",
        "role": "commander",
        "target_minutes": 30,
    },
    {
        "phase": "activate",
        "levels": ALL,
        "title": "按预案通知各处置小组并明确负责人",
        "role": "commander",
        "target_minutes": 20,
    },
    {
        "phase": "inform",
        "levels": ALL,
        "title": "向内部员工发布事件通报及统一答复口径",
        "role": "comms",
        "target_minutes": 30,
    },
    {
        "phase": "inform",
        "levels": SEVERE,
        "title": "向受影响客户发布服务公告（门户、营业厅、短信）",
        "role": "comms",
        "target_minutes": 60,
    },
    {
        "phase": "recover",
        "levels": ALL,
        "title": "确认服务恢复，回访受影响客户，处理积压工单",
        "role": "response",
        "target_minutes": 240,
    },
    {
        "phase": "review",
        "levels": ALL,
        "title": "五个工作日内完成事件总结与复盘报告",
        "role": "commander",
        "target_minutes": 7200,
    },
]

# code, event type, title, grading (level → criteria, example), specific response steps,
# resources
PLANS: list[dict[str, Any]] = [
    {
        "code": "EP-OUTAGE",
        "event_type": "outage",
        "title": "系统/网络故障应急预案",
        "summary": "适用于营业系统、计费系统、客服热线平台及网络中断导致业务无法办理或服务质量明显下降的事件。",  # noqa: E501 - seed text
        "grading": [
            (
                1,
                "全网核心业务中断超过2小时，或影响客户10万户以上",
                "核心网故障导致全省业务受理中断",
            ),
            (
                2,
                "多个地市业务中断超过1小时，或影响客户1万户以上",
                "营业系统故障导致全部营业厅无法受理",
            ),
            (3, "单个地市业务中断超过30分钟，或影响客户1000户以上", "某分公司宽带大面积断网"),
            (4, "单个营业厅或单项业务中断，影响客户1000户以下", "营业厅网络线路故障"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "定位故障点，启动系统/网络应急切换方案",
                "role": "tech",
                "target_minutes": 30,
            },
            {
                "phase": "respond",
                "levels": ALL,
                "title": "营业厅启用手工受理登记，做好客户解释与安抚",
                "role": "response",
                "target_minutes": 20,
            },
            {
                "phase": "respond",
                "levels": SEVERE,
                "title": "联系设备厂商及运营商二线支持到场",
                "role": "tech",
                "target_minutes": 60,
            },
            {
                "phase": "recover",
                "levels": ALL,
                "title": "验证系统功能恢复，补录手工受理业务",
                "role": "tech",
                "target_minutes": 120,
            },
        ],
        "resources": [
            ("equipment", "备用核心交换机2台", "信息技术部机房备件库"),
            ("site", "同城灾备机房", "天河数据中心三楼，可在30分钟内切换"),
            ("contact", "设备厂商7×24热线", "400-800-0000"),
        ],
    },
    {
        "code": "EP-SECURITY",
        "event_type": "security",
        "title": "数据泄露及信息安全事件应急预案",
        "summary": "适用于客户个人信息泄露、系统被入侵、勒索软件等信息安全事件。",
        "grading": [
            (1, "泄露客户个人信息10万条以上，或核心系统被控制", "数据库整库外泄"),
            (2, "泄露客户个人信息1万条以上", "客户资料批量导出外泄"),
            (3, "泄露客户个人信息1000条以上，或单系统被入侵", "营业终端感染木马"),
            (4, "泄露客户个人信息1000条以下，或未遂攻击", "员工误发含客户信息的邮件"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "隔离受影响系统，保全日志与证据",
                "role": "tech",
                "target_minutes": 30,
            },
            {
                "phase": "respond",
                "levels": SEVERE,
                "title": "按规定时限向监管部门及网信部门报告",
                "role": "commander",
                "target_minutes": 60,
            },
            {
                "phase": "respond",
                "levels": ALL,
                "title": "评估泄露数据范围及受影响客户名单",
                "role": "tech",
                "target_minutes": 240,
            },
            {
                "phase": "recover",
                "levels": ALL,
                "title": "修补漏洞，重置相关口令与密钥",
                "role": "tech",
                "target_minutes": 480,
            },
        ],
        "resources": [
            ("contact", "网络安全应急服务商", "7×24 应急响应热线"),
            ("equipment", "取证工作站", "信息技术部安全组"),
        ],
    },
    {
        "code": "EP-EQUIPMENT",
        "event_type": "equipment",
        "title": "设备故障应急预案",
        "summary": "适用于排队叫号机、自助终端、POS、打印设备等营业设备故障影响服务的情况。",
        "grading": [
            (1, "全市营业厅关键设备同时故障", "叫号系统服务器宕机影响全部营业厅"),
            (2, "多个营业厅关键设备故障超过2小时", "自助终端软件升级失败"),
            (3, "单个营业厅关键设备全部故障", "营业厅停电导致设备全部停用"),
            (4, "单台设备故障", "一台自助终端吞卡"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "启用备用设备或人工叫号、人工引导分流",
                "role": "response",
                "target_minutes": 15,
            },
            {
                "phase": "respond",
                "levels": ALL,
                "title": "报修设备并跟踪维修进度",
                "role": "logistics",
                "target_minutes": 60,
            },
        ],
        "resources": [
            ("spare_parts", "备用叫号机、热敏打印纸", "各营业厅库房"),
            ("contact", "设备维保单位", "维保合同约定4小时到场"),
        ],
    },
    {
        "code": "EP-DISASTER",
        "event_type": "natural_disaster",
        "title": "自然灾害应急预案",
        "summary": "适用于台风、暴雨、洪涝、地震等自然灾害影响营业场所和服务的情况。",
        "grading": [
            (1, "红色预警，多个地市营业场所受损或停业", "超强台风正面登陆"),
            (2, "橙色预警，需要关闭多个营业厅", "特大暴雨导致城区内涝"),
            (3, "黄色预警，个别营业厅受影响", "营业厅门前积水"),
            (4, "蓝色预警，需要加强防范", "强降雨预报"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "检查营业场所防风防汛措施，转移重要设备",
                "role": "logistics",
                "target_minutes": 60,
            },
            {
                "phase": "respond",
                "levels": SEVERE,
                "title": "按指令暂停受影响营业厅营业，安排客户转至就近网点",
                "role": "response",
                "target_minutes": 60,
            },
            {
                "phase": "respond",
                "levels": ALL,
                "title": "确认员工人身安全并上报",
                "role": "response",
                "target_minutes": 30,
            },
        ],
        "resources": [
            ("equipment", "沙袋、挡水板、应急照明", "各营业厅"),
            ("site", "备用营业场所", "就近营业厅或流动营业车"),
        ],
    },
    {
        "code": "EP-SAFETY",
        "event_type": "public_safety",
        "title": "营业厅火灾及公共安全事件应急预案",
        "summary": "适用于营业厅火灾、踩踏、暴力冲突、可疑物品等公共安全事件。",
        "grading": [
            (1, "造成人员死亡或3人以上重伤", "营业厅重大火灾"),
            (2, "造成人员重伤或营业厅严重损毁", "营业厅起火蔓延"),
            (3, "造成人员轻伤或营业中断", "客户冲突致人受伤"),
            (4, "未造成人员伤害的险情", "初起火情被及时扑灭"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "立即拨打119/110/120，组织人员疏散",
                "role": "response",
                "target_minutes": 3,
            },
            {
                "phase": "respond",
                "levels": ALL,
                "title": "清点人数，设置警戒区域",
                "role": "response",
                "target_minutes": 15,
            },
        ],
        "resources": [
            ("equipment", "灭火器、应急照明、急救箱", "各营业厅"),
            ("contact", "辖区派出所、消防站", "营业厅应急联络表"),
        ],
    },
    {
        "code": "EP-COMPLAINTS",
        "event_type": "mass_complaints",
        "title": "群体性投诉应急预案",
        "summary": "适用于同一原因在短时间内引发大量投诉、集体上访或舆情事件。",
        "grading": [
            (1, "引发全国性舆情或监管约谈", "资费问题登上热搜"),
            (2, "24小时内同类投诉500件以上或集体上访50人以上", "套餐调整引发集中投诉"),
            (3, "24小时内同类投诉100件以上", "区域宽带故障引发集中投诉"),
            (4, "24小时内同类投诉30件以上", "营业厅服务问题集中反映"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "汇总投诉工单，分析共性原因",
                "role": "comms",
                "target_minutes": 60,
            },
            {
                "phase": "respond",
                "levels": ALL,
                "title": "制定统一答复口径和补偿方案",
                "role": "commander",
                "target_minutes": 120,
            },
            {
                "phase": "respond",
                "levels": SEVERE,
                "title": "监测网络舆情并准备媒体回应",
                "role": "comms",
                "target_minutes": 60,
            },
        ],
        "resources": [("contact", "公关部", "舆情监测值班电话")],
    },
    {
        "code": "EP-STAFF",
        "event_type": "staff_safety",
        "title": "员工人身安全事件应急预案",
        "summary": "适用于员工在营业或外勤中遭受人身伤害、威胁或突发疾病的情况。",
        "grading": [
            (1, "员工死亡", "外勤人员交通事故身亡"),
            (2, "员工重伤", "员工遭暴力袭击重伤"),
            (3, "员工轻伤", "员工被客户推搡受伤"),
            (4, "员工受到威胁未受伤", "客户言语威胁"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "保护员工安全，必要时报警并送医",
                "role": "response",
                "target_minutes": 10,
            },
            {
                "phase": "recover",
                "levels": ALL,
                "title": "安排心理疏导及工伤手续",
                "role": "logistics",
                "target_minutes": 1440,
            },
        ],
        "resources": [("contact", "合作医院绿色通道", "就近三甲医院")],
    },
    {
        "code": "EP-SUPPLIER",
        "event_type": "supplier",
        "title": "供应商服务中断应急预案",
        "summary": "适用于外包客服、短信通道、支付通道、物流等供应商服务中断的情况。",
        "grading": [
            (1, "关键供应商全面停止服务超过24小时", "支付通道全面中断"),
            (2, "关键供应商服务中断超过4小时", "外包呼叫中心停摆"),
            (3, "供应商服务部分中断", "短信通道延迟"),
            (4, "供应商服务质量下降", "物流配送延误"),
        ],
        "steps": [
            {
                "phase": "respond",
                "levels": ALL,
                "title": "联系供应商确认故障原因及恢复时间",
                "role": "tech",
                "target_minutes": 30,
            },
            {
                "phase": "respond",
                "levels": SEVERE,
                "title": "启用备用供应商或内部替代方案",
                "role": "commander",
                "target_minutes": 120,
            },
        ],
        "resources": [("contact", "备用短信通道供应商", "合同编号见采购台账")],
    },
]

COMMON_RESOURCES = [
    ("contact", "应急值班电话", "020-8888 0000（24小时）"),
    ("site", "应急指挥中心", "总部大楼五层会议室"),
]

TEMPLATES = [
    {
        "audience": "public",
        "title": "服务异常公告",
        "body": "尊敬的客户：因{事件}，{时间}起部分业务受到影响，我们正在全力处理，预计{恢复时间}前恢复。给您带来不便，敬请谅解。",  # noqa: E501 - seed text
    },
    {
        "audience": "public",
        "title": "服务恢复公告",
        "body": "尊敬的客户：此前受影响的业务已于{时间}恢复正常。感谢您的理解与支持。",
    },
    {
        "audience": "staff",
        "title": "内部事件通报",
        "body": "【应急通报】{事件}，等级{等级}，已启动预案。请各岗位按统一口径答复客户，并及时登记相关工单。",  # noqa: E501 - seed text
    },
]


def version_content(spec: dict[str, Any]) -> dict[str, Any]:
    steps = sorted(
        [*COMMON_STEPS, *spec["steps"]],
        key=lambda s: (
            ["report", "assess", "activate", "respond", "inform", "recover", "review"].index(
                s["phase"]
            ),
            s["target_minutes"],
        ),
    )
    return {
        "summary": spec["summary"],
        "grading": [
            {"level": level, "criteria": criteria, "examples": example}
            for level, criteria, example in spec["grading"]
        ],
        "roles": [dict(role) for role in ROLES],
        "steps": [dict(step) for step in steps],
        "resources": [
            {"kind": kind, "name": name, "detail": detail}
            for kind, name, detail in [*spec["resources"], *COMMON_RESOURCES]
        ],
        "templates": [dict(t) for t in TEMPLATES],
    }


def seed_plans_for(apps: Any, root: Any) -> None:
    """Give the organisation `root` one approved plan per event type (skips existing codes)."""
    plan_model = apps.get_model("emergency", "EmergencyPlan")
    version_model = apps.get_model("emergency", "PlanVersion")
    today = timezone.localdate()
    for spec in PLANS:
        code = f"{spec['code']}-{root.code}"[:40]
        if plan_model.objects.filter(code=code).exists():
            continue
        plan = plan_model.objects.create(
            code=code, title=spec["title"], event_type=spec["event_type"], org_unit_id=root.pk
        )
        version_model.objects.create(
            plan=plan,
            number=1,
            status="approved",
            effective_on=today,
            next_review_on=today + timedelta(days=365),
            approved_at=timezone.now(),
            revision_note="初始版本",
            **version_content(spec),
        )


def seed(apps: Any, schema_editor: Any = None) -> None:
    unit_model = apps.get_model("core", "OrgUnit")
    for root in unit_model.objects.filter(depth=1):
        seed_plans_for(apps, root)
