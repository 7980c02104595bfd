"""Demo records of emergency response: critical services, drill programmes, a closed outage
from last month with its review, a completed drill, and an equipment failure under way."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from sqms.emergency import services
from sqms.emergency.models import (
    EmergencyPlan,
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentTask,
)

COMPANY = "HNTEL"


def _plan(kind: str) -> EmergencyPlan:
    return EmergencyPlan.objects.get(code=f"EP-{kind}-{COMPANY}")


def _shift(incident: Incident, delta: timedelta) -> None:
    """Move an incident's whole story back in time (demo history)."""
    fields = [
        "detected_at",
        "reported_at",
        "assessed_at",
        "activated_at",
        "restored_at",
        "closed_at",
    ]
    for name in fields:
        value = getattr(incident, name)
        if value is not None:
            setattr(incident, name, value - delta)
    incident.save(update_fields=fields)
    for event in IncidentEvent.objects.filter(incident=incident):
        event.occurred_at -= delta
        event.save(update_fields=["occurred_at"])
    for task in IncidentTask.objects.filter(incident=incident):
        task.due_at -= delta
        if task.done_at:
            task.done_at -= delta
        task.save(update_fields=["due_at", "done_at"])
    for notice in IncidentNotice.objects.filter(incident=incident):
        notice.published_at -= delta
        notice.save(update_fields=["published_at"])


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    officer = users_by_role.get("emergency_officer")
    if officer is None or f"{COMPANY}" not in units:
        return
    manager = users_by_role.get("unit_manager") or officer
    today = timezone.localdate()
    company = units[COMPANY]
    for plan in EmergencyPlan.objects.filter(org_unit=company):
        plan.owner = officer
        plan.save(update_fields=["owner"])

    outage, supplier, safety = _plan("OUTAGE"), _plan("SUPPLIER"), _plan("SAFETY")
    services.save_critical_service(
        None,
        actor=officer,
        code="BSS",
        name="营业受理（BSS/CRM）",
        mtpd_minutes=240,
        rto_minutes=60,
        org_unit=company,
        plans=[outage],
        dependencies=[
            {"kind": "system", "name": "CRM营业系统"},
            {"kind": "site", "name": "天河数据中心"},
            {"kind": "supplier", "name": "核心网设备厂商"},
        ],
    )
    services.save_critical_service(
        None,
        actor=officer,
        code="HOTLINE",
        name="客服热线 10000",
        mtpd_minutes=120,
        rto_minutes=30,
        org_unit=company,
        plans=[outage, supplier],
        dependencies=[
            {"kind": "system", "name": "呼叫中心平台"},
            {"kind": "supplier", "name": "外包坐席服务商"},
        ],
    )
    services.save_critical_service(
        None,
        actor=officer,
        code="PAY",
        name="话费缴纳",
        mtpd_minutes=480,
        rto_minutes=120,
        org_unit=company,
        plans=[supplier],
        dependencies=[{"kind": "supplier", "name": "第三方支付通道"}],
    )
    tabletop = services.save_programme(
        None,
        actor=officer,
        plan=outage,
        title="营业系统故障桌面推演",
        drill_type="tabletop",
        interval_months=6,
        next_due_on=today + timedelta(days=20),
        owner=officer,
        org_unit=company,
    )
    services.save_programme(
        None,
        actor=officer,
        plan=safety,
        title="营业厅消防疏散演练",
        drill_type="full_scale",
        interval_months=12,
        next_due_on=today - timedelta(days=9),
        owner=officer,
        org_unit=units.get("HNTEL-GZ-TH", company),
    )
    services.save_programme(
        None,
        actor=officer,
        plan=supplier,
        title="外包坐席中断通信树演练",
        drill_type="call_tree",
        interval_months=3,
        next_due_on=today + timedelta(days=45),
        owner=officer,
        org_unit=units.get("HNTEL-CC", company),
    )

    # A closed outage from last month, with its review.
    hall = units.get("HNTEL-GZ-TH", company)
    past = services.report_incident(
        actor=officer,
        org_unit=hall,
        title="天河营业厅营业系统无法登录",
        description="09:05 起天河营业厅全部窗口登录营业系统失败，客户排队约40人。",
        source="alert",
        source_reference="ALERT-DEMO-0012",
        customer_facing=True,
        detected_at=timezone.now() - timedelta(minutes=95),
    )
    services.assess_incident(past, actor=officer, event_type="outage", level=3)
    services.activate_incident(past, actor=officer, assignments={"response": manager})
    services.start_response(past, actor=officer)
    services.add_timeline_entry(
        past, actor=officer, kind="action", message="启用手工受理单，安排大堂经理分流客户"
    )
    services.publish_notice(
        past,
        actor=officer,
        audience="public",
        title="天河营业厅系统故障公告",
        body="天河营业厅营业系统故障，正在抢修，预计一小时内恢复，可前往就近营业厅办理。",
    )
    for task in past.tasks.filter(done_at=None)[:4]:
        services.complete_task(task, actor=officer)
    services.restore_service(past, actor=officer)
    services.start_review(past, actor=officer)
    services.update_review(
        past,
        actor=officer,
        what_happened="营业系统数据库连接池耗尽，天河营业厅约70分钟无法受理业务。",
        root_cause="月初批量出账占用连接，连接池上限配置过低。",
        went_well="十分钟内启动预案，手工受理与分流及时，无客户投诉升级。",
        to_change="出账任务错峰；增加连接池监控告警；预案补充数据库切换步骤。",
    )
    services.add_review_action(
        past,
        actor=officer,
        kind="improvement",
        title="连接池容量监控与告警",
        owner=manager,
        deadline=today + timedelta(days=30),
    )
    services.add_review_action(
        past, actor=officer, kind="plan_revision", title="预案增加数据库主备切换步骤"
    )
    services.complete_review(past, actor=officer)
    services.close_incident(past, actor=officer)
    _shift(past, timedelta(days=26))

    # A completed drill.
    drill = services.start_drill(
        actor=officer,
        plan=outage,
        scenario="核心营业系统宕机，切换同城灾备。",
        drill_type="tabletop",
        programme=tabletop,
    )
    exercise = drill.incident
    if exercise is not None:
        services.assess_incident(exercise, actor=officer, event_type="outage", level=2)
        services.activate_incident(exercise, actor=officer)
        for task in exercise.tasks.filter(done_at=None)[:5]:
            services.complete_task(task, actor=officer)
        services.restore_service(exercise, actor=officer)
        services.start_review(exercise, actor=officer)
        services.update_review(
            exercise,
            actor=officer,
            what_happened="桌面推演：核心营业系统宕机。",
            root_cause="（演练）",
            went_well="各小组职责清楚。",
            to_change="灾备切换联系人需更新。",
        )
        services.complete_review(exercise, actor=officer)
        services.close_incident(exercise, actor=officer)

    # An equipment failure under way.
    current = services.report_incident(
        actor=officer,
        org_unit=units.get("HNTEL-SZ-FT", company),
        title="福田营业厅叫号系统故障",
        description="叫号机及显示屏全部黑屏，改为人工叫号。",
        detected_at=timezone.now() - timedelta(minutes=25),
    )
    services.assess_incident(current, actor=officer, event_type="equipment", level=4)
    services.activate_incident(current, actor=officer, assignments={"response": manager})
    services.start_response(current, actor=officer)
