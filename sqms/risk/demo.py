"""Demo records of the risk register: service-quality risks of a telecom operator's halls and
call centre, with controls, an acceptance, reviews, a year of history and a Monte Carlo run."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sqms.risk import services, simulation
from sqms.risk.models import RiskHistory

# (unit code, title, category, inherent P/I, current P/I, residual P/I, treatment,
#  annual probability, loss interval in yuan, months ago raised, cause, consequence)
RISKS: list[tuple[Any, ...]] = [
    (
        "HNTEL-QM",
        "核心业务系统宕机导致全网营业厅停办",
        "technical",
        (3, 5),
        (2, 5),
        (2, 3),
        "mitigate",
        "0.15",
        (200_000, 3_000_000),
        11,
        "计费与CRM系统单数据中心部署",
        "全网营业厅无法办理业务，大量投诉与监管通报",
    ),
    (
        "HNTEL-QM",
        "客户个人信息泄露",
        "data_security",
        (3, 5),
        (2, 5),
        (1, 4),
        "mitigate",
        "0.05",
        (500_000, 20_000_000),
        10,
        "内部人员越权查询与导出客户资料",
        "监管处罚、诉讼赔偿与品牌受损",
    ),
    (
        "HNTEL-QM",
        "台风导致营业厅停电停业",
        "natural_disaster",
        (4, 3),
        (4, 3),
        (3, 2),
        "mitigate",
        "0.6",
        (20_000, 400_000),
        9,
        "华南沿海每年汛期台风频发",
        "营业厅临时关闭，客户业务办理延误",
    ),
    (
        "HNTEL-QM",
        "投诉处理超时引发监管申诉",
        "process",
        (4, 3),
        (3, 3),
        (2, 2),
        "mitigate",
        "0.5",
        (10_000, 150_000),
        8,
        "复杂投诉跨部门流转慢",
        "投诉处理率不达标，升级为工信部申诉",
    ),
    (
        "HNTEL-QM",
        "话费争议集中爆发",
        "process",
        (3, 3),
        (3, 3),
        (3, 3),
        "accept",
        "0.3",
        (5_000, 80_000),
        6,
        "资费套餐调整通知不充分",
        "短期内咨询与投诉量激增",
    ),
    (
        "HNTEL-GZ-TH",
        "营业厅高峰期排队超时",
        "process",
        (5, 2),
        (4, 2),
        (2, 2),
        "mitigate",
        "0.9",
        (2_000, 30_000),
        7,
        "月初缴费高峰窗口不足",
        "等候时间超过20分钟，满意度下降",
    ),
    (
        "HNTEL-GZ-TH",
        "营业厅治安事件",
        "social_safety",
        (2, 4),
        (2, 4),
        (1, 4),
        "transfer",
        None,
        None,
        5,
        "营业厅位于人流密集商圈",
        "人员受伤、营业中断",
    ),
    (
        "HNTEL-GZ-TH",
        "骨干营业员流失",
        "personnel",
        (3, 3),
        (3, 3),
        (2, 2),
        "mitigate",
        None,
        None,
        4,
        "薪酬竞争力不足，培训周期长",
        "服务差错率上升，新员工办理时长增加",
    ),
    (
        "HNTEL-GZ-TH",
        "自助终端故障未及时修复",
        "technical",
        (4, 2),
        (3, 2),
        (3, 2),
        "avoid",
        None,
        None,
        2,
        "终端老化，维保响应慢",
        "客户被迫转人工窗口，排队加剧",
    ),
]


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    quality = users_by_role.get("quality_manager")
    hall_manager = users_by_role.get("unit_manager")
    if quality is None or hall_manager is None:
        return
    now = timezone.now()
    today = timezone.localdate()
    created = []
    for (unit_code, title, category, inherent, current, residual, treatment, probability,
         interval, months_ago, cause, consequence) in RISKS:  # fmt: skip
        actor = quality if unit_code == "HNTEL-QM" else hall_manager
        values: dict[str, Any] = {}
        if probability is not None:
            values.update(
                annual_probability=Decimal(probability), loss_low=interval[0], loss_high=interval[1]
            )
        risk = services.raise_risk(
            actor=actor,
            org_unit=units[unit_code],
            title=title,
            category=category,
            owner=actor,
            inherent_probability=inherent[0],
            inherent_impact=inherent[1],
            current_probability=inherent[0],
            current_impact=inherent[1],
            residual_probability=inherent[0],
            residual_impact=inherent[1],
            description=f"{title}。",
            cause=cause,
            consequence=consequence,
            treatment=treatment,
            review_due=today + timedelta(days=30 * (months_ago % 4) - 20),
            **values,
        )
        raised_at = now - timedelta(days=30 * months_ago)
        RiskHistory.objects.filter(risk=risk).update(at=raised_at)
        if treatment in ("mitigate", "avoid", "transfer"):
            services.add_control(
                risk,
                actor=actor,
                title="应急预案与值班制度",
                kind="existing",
                owner=actor,
                status="implemented",
                effectiveness="partial",
            )
            services.add_control(
                risk,
                actor=actor,
                title="专项整改措施",
                kind="planned",
                owner=actor,
                due_date=today + timedelta(days=45 if months_ago % 2 else -10),
                status="in_progress",
            )
        services.update_risk(
            risk,
            actor=actor,
            current_probability=current[0],
            current_impact=current[1],
            residual_probability=residual[0],
            residual_impact=residual[1],
        )
        RiskHistory.objects.filter(risk=risk, at__gt=raised_at).update(
            at=raised_at + timedelta(days=20)
        )
        if treatment == "accept":
            services.record_acceptance(
                risk,
                actor=actor,
                approver=quality,
                expires_on=today + timedelta(days=180),
                rationale="影响可控，整改成本高于预期损失，由质量管理部批准接受。",
            )
        if months_ago >= 8:
            services.record_review(
                risk,
                actor=actor,
                notes="季度复核：控制措施运行正常，剩余风险维持。",
                next_review_due=today + timedelta(days=60),
            )
        created.append(risk)
    quantified = [
        r for r in created if r.has_quantitative_inputs and r.org_unit_id == units["HNTEL-QM"].pk
    ]
    if quantified:
        run = simulation.request_run(
            actor=quality,
            title="公司级服务质量风险年度损失评估",
            risks=quantified,
            org_unit=units["HNTEL-QM"],
            iterations=100_000,
            seed=2026,
        )
        simulation.execute_run(run.pk)
