"""Demo improvement actions for `sqms demo`: a hall's PDCA programme at every stage."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms.improvement import checks, services
from sqms.improvement.choices import Verdict
from sqms.improvement.models import ImprovementAction

HALL = "HNTEL-GZ-TH"
QUALITY_DEPARTMENT = "HNTEL-QM"
COUNTER = "HNTEL-GZ-TH-01"

# (source, title, problem, analysis and goal, target stage)
ACTIONS: list[tuple[str, str, str, dict[str, Any], str]] = [
    (
        "complaint_pattern",
        "降低高峰时段排队投诉",
        "近一个月天河营业厅因排队过长引发的投诉 14 件，集中在周一上午和月初缴费高峰。",
        {
            "why_1": "高峰时段客户等候超过 30 分钟",
            "why_2": "开放窗口数量未随客流调整",
            "why_3": "排班按固定模板，不看历史客流",
            "cause_method": "排班规则未考虑月初缴费高峰",
            "cause_people": "弹性班次人员不足",
            "root_cause": "排班未按客流预测动态调整",
            "goal": "高峰时段投诉处理率保持 100%，排队类投诉减少一半",
            "indicator_code": "complaint_handling_rate",
            "target_value": Decimal("100"),
            "target_direction": "higher",
            "measures": (
                "1. 按近 8 周客流制定高峰排班\n2. 月初增开 2 个缴费窗口\n3. 引导客户使用自助终端"
            ),
        },
        "do",
    ),
    (
        "inspection",
        "规范业务受理单填写",
        "质检抽查发现 6% 的受理单缺少客户签字或办理时间。",
        {
            "why_1": "营业员赶时间省略签字",
            "why_2": "系统不强制校验必填项",
            "cause_equipment": "受理系统缺少必填校验",
            "cause_method": "交接班时未复核受理单",
            "root_cause": "系统与流程均无必填校验",
            "goal": "服务差错率降到 2% 以下",
            "indicator_code": "service_error_rate",
            "target_value": Decimal("2"),
            "target_direction": "lower",
            "measures": "系统增加必填校验；班后抽查 10 份受理单",
        },
        "check",
    ),
    (
        "survey",
        "提升宽带报装回访满意度",
        "满意度回访中宽带报装项满意率 82%，低于 90% 目标。",
        {
            "why_1": "上门时间与约定不符",
            "why_2": "装维人员调度信息滞后",
            "cause_materials": "预约信息未同步给装维班组",
            "root_cause": "预约系统与调度系统未打通",
            "goal": "宽带报装满意率达到 90%",
            "measures": "预约信息每小时同步；超时未上门自动提醒",
        },
        "act",
    ),
    (
        "ticket_review",
        "复核发现资费解释口径不一",
        "工单复核发现同类资费咨询有 3 种不同解释。",
        {
            "why_1": "知识库条目过期",
            "cause_materials": "资费调整后知识库未更新",
            "root_cause": "知识库更新无责任人",
            "goal": "资费类咨询解释口径统一",
            "measures": "指定知识库维护人；资费调整当日更新并培训",
        },
        "closed",
    ),
    (
        "alert",
        "SLA 达成率预警整改",
        "预警：本周 SLA 达成率连续 3 天低于 95%。",
        {},
        "plan",
    ),
]


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    manager = users_by_role.get("unit_manager")
    owner = users_by_role.get("agent") or manager
    hall = units.get(HALL)
    if manager is None or hall is None:
        return
    today = timezone.localdate()
    with transaction.atomic():
        for index, (source, title, problem, plan, stage) in enumerate(ACTIONS):
            action = services.open_action(
                actor=manager,
                source=source,
                title=title,
                problem=problem,
                org_unit=units.get(COUNTER, hall) if index == 1 else hall,
                owner=owner,
                deadline=today + timedelta(days=20 + 10 * index),
            )
            if plan:
                services.update_action(
                    action, actor=manager, check_due_on=today, team=[manager], **plan
                )
            if stage == "plan":
                continue
            services.advance(action, "start_do", actor=manager, note="计划已评审")
            services.add_progress(action, actor=owner, note="措施已部署到各班组", progress=50)
            if stage == "do":
                # Two years of history would have some action running late: backdate this
                # one's deadline (open_action refuses a past one) so the board shows it overdue.
                ImprovementAction.objects.filter(pk=action.pk).update(
                    deadline=today - timedelta(days=5)
                )
                continue
            services.advance(action, "start_check", actor=manager)
            if stage == "check":
                continue
            checks.record_check(
                action,
                actor=manager,
                verdict=Verdict.EFFECTIVE,
                measured_value="91.5" if not action.indicator_code else None,
                note="回访满意率 91.5%，达到目标",
            )
            services.advance(action, "start_act", actor=manager)
            if stage == "act":
                continue
            services.advance(action, "close", actor=manager, note="口径写入知识库维护制度")
        _quality_department_action(units, users_by_role, today)


def _quality_department_action(
    units: dict[str, Any], users_by_role: dict[str, Any], today: Any
) -> None:
    """One action of the quality department itself, so its manager has one in view."""
    quality_manager = users_by_role.get("quality_manager")
    department = units.get(QUALITY_DEPARTMENT)
    if quality_manager is None or department is None:
        return
    action = services.open_action(
        actor=quality_manager,
        source="audit",
        title="统一质检抽样方法",
        problem="内审发现各营业厅质检抽样比例从 2% 到 10% 不等，质检得分不可比。",
        org_unit=department,
        owner=users_by_role.get("quality_inspector") or quality_manager,
        deadline=today + timedelta(days=45),
    )
    services.update_action(
        action,
        actor=quality_manager,
        why_1="各厅自行确定抽样比例",
        cause_method="缺少统一的抽样规范",
        cause_measurement="质检得分未按样本量校正",
        root_cause="质检抽样没有公司级标准",
        goal="全部营业厅按统一比例抽样，质检得分可横向比较",
        measures="制定抽样规范（每厅每月不少于 3% 且不少于 30 单）；质检系统按规范自动抽样",
        check_due_on=today + timedelta(days=40),
    )
    services.advance(action, "start_do", actor=quality_manager, note="规范草案已发布征求意见")
