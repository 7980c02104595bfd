"""Demo inspections for `sqms demo`: hall inspections over the last two months (some failing,
with findings, one answered by an improvement action), a mystery-shopper visit, and a sampling
plan with last month drawn and some reviews done (one flags a service error)."""

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms.inspections import reviews, services
from sqms.inspections.choices import ReviewStatus
from sqms.inspections.models import ChecklistTemplate, Inspection, SamplingPlan, TicketReview
from sqms.inspections.services import ScoreInput

HALLS = ("HNTEL-GZ-TH", "HNTEL-SZ-FT")
SEED = 20261121
FINDINGS = [
    ("灭火器压力表指针处于红区，已超过检验期", "critical", "安全管理"),
    ("资费公示牌仍展示上月已下线的 59 元套餐", "high", "公告与资费公示"),
    ("2 号窗口营业员未佩戴工号牌", "medium", "人员仪容仪表与服务规范"),
    ("自助终端故障未张贴告示，客户多次询问", "medium", "设施设备"),
    ("无障碍通道堆放宣传展架", "high", "无障碍设施"),
]
SUMMARIES = [
    "厅堂整体整洁，高峰时段引导到位。",
    "设施运行正常，个别宣传资料过期。",
    "人员服务规范执行较好，需加强安全检查。",
]


def _scores(version: Any, rng: random.Random, fail_sections: set[str]) -> dict[int, ScoreInput]:
    scores: dict[int, ScoreInput] = {}
    for item in version.items.select_related("section"):
        failing = item.section.title in fail_sections and (item.critical or rng.random() < 0.5)
        if item.na_allowed and rng.random() < 0.2:
            scores[item.pk] = ScoreInput(not_applicable=True)
        elif failing:
            scores[item.pk] = ScoreInput(score=0, comment="现场检查不符合要求")
        else:
            top = item.top_score
            score = top if top == 1 or rng.random() < 0.6 else max(1, top - rng.randint(1, 2))
            scores[item.pk] = ScoreInput(score=score)
    return scores


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    inspector = users_by_role.get("quality_inspector")
    manager = users_by_role.get("quality_manager")
    halls = [units[code] for code in HALLS if code in units]
    if inspector is None or manager is None or not halls:
        return
    if Inspection.objects.filter(org_unit__in=halls).exists():
        return
    hall_template = ChecklistTemplate.objects.get(code="hall-inspection")
    mystery_template = ChecklistTemplate.objects.get(code="mystery-shopper")
    hall_version = hall_template.current_version()
    mystery_version = mystery_template.current_version()
    if hall_version is None or mystery_version is None:
        return
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    now = timezone.now()
    clerk = users_by_role.get("agent")
    with transaction.atomic():
        made: list[Inspection] = []
        for index in range(12):
            hall = halls[index % len(halls)]
            performed = now - datetime.timedelta(days=55 - index * 4, hours=rng.randint(0, 5))
            fail_sections = {FINDINGS[index % len(FINDINGS)][2]} if index % 4 == 1 else set()
            inspection = services.create_inspection(
                actor=inspector,
                version=hall_version,
                org_unit=hall,
                inspected_staff=clerk if hall.code == "HNTEL-GZ-TH" else None,
                planned_for=performed.date(),
                performed_at=performed,
                summary=SUMMARIES[index % len(SUMMARIES)],
            )
            services.record_scores(
                inspection, actor=inspector, scores=_scores(hall_version, rng, fail_sections)
            )
            if index == 11:
                made.append(inspection)  # the latest stays in progress
                continue
            services.submit_inspection(inspection, actor=inspector)
            if index < 9:
                services.review_inspection(inspection, actor=manager, approve=True, note="同意")
            if fail_sections:
                text, severity, section = FINDINGS[index % len(FINDINGS)]
                item = (
                    hall_version.items.filter(section__title=section).order_by("-critical").first()
                )
                finding = services.add_finding(
                    inspection,
                    actor=inspector,
                    text=text,
                    severity=severity,
                    item=item,
                    responsible=clerk if hall.code == "HNTEL-GZ-TH" else None,
                    due_date=timezone.localdate() + datetime.timedelta(days=14),
                )
                if index == 1:
                    services.open_finding_action(
                        finding, actor=manager, title="整改营业厅消防安全隐患"
                    )
            made.append(inspection)
        visit = services.create_inspection(
            actor=inspector,
            version=mystery_version,
            org_unit=halls[0],
            inspected_staff=clerk,
            performed_at=now - datetime.timedelta(days=6, hours=2),
            time_in=now - datetime.timedelta(days=6, hours=2, minutes=25),
            scenario="咨询并办理 5G 套餐升档",
            waiting_minutes=11,
            handling_minutes=17,
            summary="营业员主动询问需求，推荐合理；送别时未邀请评价。",
        )
        services.record_scores(visit, actor=inspector, scores=_scores(mystery_version, rng, set()))
        services.submit_inspection(visit, actor=inspector)
        services.review_inspection(visit, actor=manager, approve=True)
        _refresh_indicators()
        _ticket_reviews(units, inspector, manager)


def _refresh_indicators() -> None:
    try:
        from sqms.inspections.facts import InspectionFacts
        from sqms.quality import rollups
    except ImportError:
        return
    rollups.recompute_keys(InspectionFacts().changed_keys(None, timezone.now()))


def _ticket_reviews(units: dict[str, Any], inspector: Any, manager: Any) -> None:
    company = units.get("HNTEL")
    if company is None or SamplingPlan.objects.exists():
        return
    plan = reviews.create_plan(
        actor=manager,
        name="全公司每月 5% 工单复核",
        org_unit=company,
        share_percent="5",
        include_low_satisfaction=True,
        seed=SEED % 100_000,
    )
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    reviews.draw_sample(plan, last_month, actor=manager)
    queued = list(
        TicketReview.objects.filter(plan=plan, status=ReviewStatus.QUEUED, reviewer=inspector)
        .exclude(agent=inspector)
        .select_related("version")
        .order_by("pk")[:4]
    )
    for index, review in enumerate(queued):
        items = list(review.version.items.all())
        scores = {item.pk: ScoreInput(score=item.top_score) for item in items}
        error = index == 0
        if error:
            critical = next(item for item in items if item.critical)
            scores[critical.pk] = ScoreInput(score=1, comment="资费解释与实际套餐不符")
        reviews.submit_review(
            review,
            actor=inspector,
            scores=scores,
            comment="抽检复核" if not error else "资费解释错误，已反馈班组长",
            service_error=error,
            service_error_reason="向客户解释的套餐资费与系统实际资费不一致" if error else "",
        )
