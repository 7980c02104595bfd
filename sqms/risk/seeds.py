"""The seeded risk matrices (3×3, 4×4, 5×5), applied by migration 0003 and after every flush."""

from typing import Any

GREEN, AMBER, ORANGE, RED = "#198754", "#ffc107", "#fd7e14", "#dc3545"

LOW = {
    "code": "low",
    "name": "低",
    "name_en": "Low",
    "colour": GREEN,
    "description": "可接受，按常规管理。",
}
MEDIUM = {
    "code": "medium",
    "name": "中",
    "name_en": "Medium",
    "colour": AMBER,
    "description": "需指定责任人并定期监控。",
}
HIGH = {
    "code": "high",
    "name": "高",
    "name_en": "High",
    "colour": ORANGE,
    "description": "需制定控制措施，管理层关注。",
}
EXTREME = {
    "code": "extreme",
    "name": "极高",
    "name_en": "Extreme",
    "colour": RED,
    "description": "不可接受，须立即处置并上报。",
}


def _level(name: str, name_en: str, description: str, colour: str = "") -> dict[str, str]:
    return {"name": name, "name_en": name_en, "description": description, "colour": colour}


MATRICES: list[dict[str, Any]] = [
    {
        "code": "3x3",
        "name": "三级风险矩阵",
        "name_en": "3×3 risk matrix",
        "description": "适用于班组、营业厅的简易评估。",
        "probability_levels": [
            _level("不太可能", "Unlikely", "三年内不太可能发生"),
            _level("可能", "Possible", "一年内可能发生一次"),
            _level("很可能", "Likely", "一年内很可能发生多次"),
        ],
        "impact_levels": [
            _level("较小", "Minor", "个别客户受影响，当日可恢复"),
            _level("中等", "Moderate", "一个营业厅或班组受影响，或引发投诉"),
            _level("严重", "Severe", "多个单位受影响、媒体关注或监管处罚"),
        ],
        "risk_levels": [LOW, MEDIUM, HIGH],
        "grid": [
            ["low", "low", "medium"],
            ["low", "medium", "high"],
            ["medium", "high", "high"],
        ],
    },
    {
        "code": "4x4",
        "name": "四级风险矩阵",
        "name_en": "4×4 risk matrix",
        "description": "适用于分公司层面的风险评估。",
        "probability_levels": [
            _level("极少", "Rare", "十年以上一遇"),
            _level("可能", "Possible", "数年一遇"),
            _level("很可能", "Likely", "每年发生"),
            _level("几乎确定", "Almost certain", "每月发生"),
        ],
        "impact_levels": [
            _level("较小", "Minor", "个别客户受影响"),
            _level("中等", "Moderate", "单个营业厅服务中断或集中投诉"),
            _level("重大", "Major", "分公司范围服务中断，经济损失明显"),
            _level("灾难性", "Catastrophic", "全网服务中断、人身伤害或重大监管处罚"),
        ],
        "risk_levels": [LOW, MEDIUM, HIGH, EXTREME],
        "grid": [
            ["low", "low", "medium", "medium"],
            ["low", "medium", "medium", "high"],
            ["medium", "medium", "high", "extreme"],
            ["medium", "high", "extreme", "extreme"],
        ],
    },
    {
        "code": "5x5",
        "name": "五级风险矩阵",
        "name_en": "5×5 risk matrix",
        "description": "公司级服务质量风险评估的默认矩阵。",
        "probability_levels": [
            _level("极少", "Rare", "十年以上一遇"),
            _level("不太可能", "Unlikely", "五至十年一遇"),
            _level("可能", "Possible", "一至五年一遇"),
            _level("很可能", "Likely", "每年发生"),
            _level("几乎确定", "Almost certain", "每月发生"),
        ],
        "impact_levels": [
            _level("轻微", "Negligible", "无客户感知"),
            _level("较小", "Minor", "个别客户受影响，当日恢复"),
            _level("中等", "Moderate", "单个营业厅或班组受影响，引发投诉"),
            _level("重大", "Major", "分公司范围服务中断或经济损失超过十万元"),
            _level("灾难性", "Catastrophic", "全网中断、人身伤害、数据泄露或重大监管处罚"),
        ],
        "risk_levels": [LOW, MEDIUM, HIGH, EXTREME],
        "grid": [
            ["low", "low", "low", "medium", "medium"],
            ["low", "low", "medium", "medium", "high"],
            ["low", "medium", "medium", "high", "high"],
            ["medium", "medium", "high", "high", "extreme"],
            ["medium", "high", "high", "extreme", "extreme"],
        ],
    },
]
DEFAULT_CODE = "5x5"


def seed(apps: Any, schema_editor: Any) -> None:
    """Create the seeded matrices that are missing; never overwrite an edited one."""
    matrix_model = apps.get_model("risk", "RiskMatrix")
    for definition in MATRICES:
        matrix_model.objects.get_or_create(
            code=definition["code"],
            defaults={**definition, "is_default": definition["code"] == DEFAULT_CODE},
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    matrix_model = apps.get_model("risk", "RiskMatrix")
    matrix_model.objects.filter(code__in=[m["code"] for m in MATRICES]).delete()
