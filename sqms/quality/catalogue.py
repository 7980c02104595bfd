"""The seed indicator catalogue of DESIGN.md: texts (stored in Indicator rows) and formulas.

A formula turns summed rollup measures into the indicator's value; it returns None when the
denominator is zero (no data for the period and slice).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqms.quality.choices import Direction, Slice, Source, ValueUnit

Measures = Mapping[str, int]

ALL_SLICES = [Slice.UNIT, Slice.STAFF, Slice.CHANNEL, Slice.KIND, Slice.CATEGORY]


def _ratio(
    numerator: str, denominator: str, scale: float = 100.0
) -> Callable[[Measures], float | None]:
    def compute(m: Measures) -> float | None:
        d = m.get(denominator, 0)
        return None if not d else scale * m.get(numerator, 0) / d

    return compute


def _nps(m: Measures) -> float | None:
    n = m.get("nps_answers", 0)
    return None if not n else 100.0 * (m.get("nps_promoters", 0) - m.get("nps_detractors", 0)) / n


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    name_en: str
    definition: str
    definition_en: str
    numerator: str
    denominator: str
    value_unit: str
    direction: str
    source: str
    formula: Callable[[Measures], float | None]
    slices: list[str] = field(default_factory=lambda: list(ALL_SLICES))
    # The histogram (prefix in sqms.quality.measures) its quantiles come from, if any.
    histogram: str = ""
    # Seed target: (target, alarm threshold, strict) or None.
    seed_target: tuple[float, float, bool] | None = None
    # The measure counting its records, for "the records behind a number".
    base_measure: str = ""


DEFINITIONS: list[Definition] = [
    Definition(
        "csat",
        "客户满意度",
        "Customer satisfaction (CSAT)",
        "调查中总体满意度评 4–5 分（5 分制）的答卷 ÷ 有总体评分的答卷。",
        "Survey answers rating overall satisfaction 4–5 of 5 ÷ answers with an overall rating.",
        "survey_satisfied",
        "survey_answers",
        ValueUnit.PERCENT,
        Direction.HIGHER,
        Source.SURVEYS,
        _ratio("survey_satisfied", "survey_answers"),
        seed_target=(90, 85, False),
    ),
    Definition(
        "complaint_handling_rate",
        "投诉处理率",
        "Complaint handling rate",
        "期内到期（处理时限在期内）的投诉中已处理（已解决或已归档）的件数 ÷ 期内到期的投诉件数。",
        "Complaints due in the period (their resolve-by time falls in it) that are resolved or "
        "closed ÷ complaints due in the period.",
        "complaints_due_handled",
        "complaints_due",
        ValueUnit.PERCENT,
        Direction.HIGHER,
        Source.TICKETS,
        _ratio("complaints_due_handled", "complaints_due"),
        seed_target=(100, 95, False),
        base_measure="complaints_due",
    ),
    Definition(
        "response_ontime_rate",
        "响应及时率",
        "On-time response rate",
        "在响应时限内首次响应的工单 ÷ 已响应的工单。",
        "Tickets first-responded by their response due time ÷ tickets responded.",
        "response_ontime",
        "responded",
        ValueUnit.PERCENT,
        Direction.HIGHER,
        Source.TICKETS,
        _ratio("response_ontime", "responded"),
        base_measure="responded",
    ),
    Definition(
        "avg_response_minutes",
        "平均响应时间",
        "Mean response time",
        "已响应工单的首次响应时长（分钟，按 SLA 日历计）的平均值；另给出中位数与 90% 分位数。",
        "Mean first-response time (minutes, on the SLA calendar) of the responded tickets, "
        "with the median and the 90th percentile.",
        "response_minutes",
        "responded",
        ValueUnit.MINUTES,
        Direction.LOWER,
        Source.TICKETS,
        _ratio("response_minutes", "responded", 1.0),
        histogram="resp_h",
        seed_target=(3, 5, False),
        base_measure="responded",
    ),
    Definition(
        "business_ontime_rate",
        "办理及时率",
        "Business handled on time",
        "20 分钟内办结的业务办理工单 ÷ 已办结的业务办理工单。",
        "Business requests handled within 20 minutes ÷ business requests handled.",
        "business_ontime",
        "business_handled",
        ValueUnit.PERCENT,
        Direction.HIGHER,
        Source.TICKETS,
        _ratio("business_ontime", "business_handled"),
        slices=[Slice.UNIT, Slice.STAFF, Slice.CHANNEL, Slice.CATEGORY],
        base_measure="business_handled",
    ),
    Definition(
        "avg_handling_minutes",
        "平均办理时长",
        "Mean handling time",
        "已办结业务办理工单的办理时长（分钟）的平均值；另给出中位数与 90% 分位数。",
        "Mean handling time (minutes) of the business requests handled, with the median and "
        "the 90th percentile.",
        "business_minutes",
        "business_handled",
        ValueUnit.MINUTES,
        Direction.LOWER,
        Source.TICKETS,
        _ratio("business_minutes", "business_handled", 1.0),
        slices=[Slice.UNIT, Slice.STAFF, Slice.CHANNEL, Slice.CATEGORY],
        histogram="res_h",
        seed_target=(20, 30, False),
        base_measure="business_handled",
    ),
    Definition(
        "service_error_rate",
        "服务差错率",
        "Service error rate",
        "已处理工单中被标记为服务差错的件数 ÷ 已处理工单数。",
        "Resolved tickets flagged as a service error ÷ tickets resolved.",
        "service_errors",
        "resolved",
        ValueUnit.PERCENT,
        Direction.LOWER,
        Source.TICKETS,
        _ratio("service_errors", "resolved"),
        seed_target=(5, 8, True),
        base_measure="resolved",
    ),
    Definition(
        "sla_rate",
        "SLA 达成率",
        "SLA attainment",
        "在解决时限前解决的工单 ÷ 已解决的工单。",
        "Tickets resolved before their resolve due time ÷ tickets resolved.",
        "resolve_ontime",
        "resolved",
        ValueUnit.PERCENT,
        Direction.HIGHER,
        Source.TICKETS,
        _ratio("resolve_ontime", "resolved"),
        base_measure="resolved",
    ),
    Definition(
        "fcr_rate",
        "首次解决率",
        "First-contact resolution (FCR)",
        "由首问负责人解决、未转派、未重开的工单 ÷ 已解决的工单。",
        "Tickets resolved by their first-contact owner with no reassignment and no reopening "
        "÷ tickets resolved.",
        "first_contact_resolved",
        "resolved",
        ValueUnit.PERCENT,
        Direction.HIGHER,
        Source.TICKETS,
        _ratio("first_contact_resolved", "resolved"),
        base_measure="resolved",
    ),
    Definition(
        "reopen_rate",
        "重开率",
        "Reopen rate",
        "被重开过的工单 ÷ 已解决的工单。",
        "Tickets reopened at least once ÷ tickets resolved.",
        "reopened",
        "resolved",
        ValueUnit.PERCENT,
        Direction.LOWER,
        Source.TICKETS,
        _ratio("reopened", "resolved"),
        base_measure="resolved",
    ),
    Definition(
        "nps",
        "净推荐值 NPS",
        "Net promoter score (NPS)",
        "推荐者（9–10 分）占比 − 贬损者（0–6 分）占比。",
        "% promoters (9–10) − % detractors (0–6) among the answers to the recommendation question.",
        "nps_promoters − nps_detractors",
        "nps_answers",
        ValueUnit.SCORE,
        Direction.HIGHER,
        Source.SURVEYS,
        _nps,
    ),
    Definition(
        "avg_wait_minutes",
        "平均等候时间",
        "Mean waiting time",
        "营业厅客户从取号到叫号的平均等候时长（分钟）。",
        "Mean time (minutes) from a customer's arrival (ticket drawn) to being called at the "
        "counter.",
        "wait_seconds / 60",
        "visits",
        ValueUnit.MINUTES,
        Direction.LOWER,
        Source.VISITS,
        _ratio("wait_seconds", "visits", 1 / 60),
        slices=[Slice.UNIT, Slice.STAFF],
    ),
    Definition(
        "inspection_score",
        "质检得分",
        "Inspection score",
        "质检与神秘顾客暗访的平均得分。",
        "Mean score of quality inspections and mystery-shopper audits.",
        "inspection_points",
        "inspections",
        ValueUnit.SCORE,
        Direction.HIGHER,
        Source.INSPECTIONS,
        _ratio("inspection_points", "inspections", 1.0),
        slices=[Slice.UNIT, Slice.STAFF],
    ),
]

BY_CODE: dict[str, Definition] = {d.code: d for d in DEFINITIONS}


def seed_catalogue(apps: object, schema_editor: object = None) -> None:
    """Create or refresh the catalogue rows and the seed targets (data migration)."""
    import datetime

    indicator_model = apps.get_model("quality", "Indicator")  # type: ignore[attr-defined]
    target_model = apps.get_model("quality", "Target")  # type: ignore[attr-defined]
    for order, d in enumerate(DEFINITIONS, start=1):
        indicator, _created = indicator_model.objects.update_or_create(
            code=d.code,
            defaults={
                "name": d.name,
                "name_en": d.name_en,
                "definition": d.definition,
                "definition_en": d.definition_en,
                "numerator": d.numerator,
                "denominator": d.denominator,
                "value_unit": d.value_unit,
                "direction": d.direction,
                "source": d.source,
                "slices": [str(s) for s in d.slices],
                "order": order * 10,
            },
        )
        if d.seed_target and not target_model.objects.filter(indicator=indicator).exists():
            target, alarm, strict = d.seed_target
            target_model.objects.create(
                indicator=indicator,
                org_unit=None,
                valid_from=datetime.date(2000, 1, 1),
                target=target,
                alarm=alarm,
                strict=strict,
                reason="DESIGN.md seed target",
            )
