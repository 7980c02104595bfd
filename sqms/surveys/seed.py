"""The seeded templates: the post-service survey and SERVQUAL (idempotent; run by a data
migration and after every migrate, so a flushed test database gets them back)."""

from typing import Any

from django.utils import timezone

POST_SERVICE = "post_service"
SERVQUAL = "servqual"

_RATING_LABELS = {
    "low_label_zh": "非常不满意",
    "low_label_en": "Very dissatisfied",
    "high_label_zh": "非常满意",
    "high_label_en": "Very satisfied",
}

POST_SERVICE_QUESTIONS: list[dict[str, Any]] = [
    {
        "code": "overall",
        "qtype": "rating",
        "dimension": "overall",
        "required": True,
        "text_zh": "您对本次服务的总体满意度如何？",
        "text_en": "How satisfied are you with this service overall?",
        **_RATING_LABELS,
    },
    {
        "code": "nps",
        "qtype": "nps",
        "dimension": "recommendation",
        "text_zh": "您有多大可能向亲友推荐我们的服务？",
        "text_en": "How likely are you to recommend our service to friends or family?",
        "low_label_zh": "完全不可能",
        "low_label_en": "Not at all likely",
        "high_label_zh": "非常可能",
        "high_label_en": "Extremely likely",
    },
    {
        "code": "ces",
        "qtype": "ces",
        "dimension": "effort",
        "text_zh": "办理这项业务/解决这个问题对您来说有多容易？",
        "text_en": "How easy was it to get your request handled?",
        "low_label_zh": "非常困难",
        "low_label_en": "Very difficult",
        "high_label_zh": "非常容易",
        "high_label_en": "Very easy",
    },
    {
        "code": "attitude",
        "qtype": "rating",
        "dimension": "attitude",
        "text_zh": "服务人员的服务态度",
        "text_en": "The staff's attitude",
        **_RATING_LABELS,
    },
    {
        "code": "efficiency",
        "qtype": "rating",
        "dimension": "efficiency",
        "text_zh": "服务效率（等候与办理时间）",
        "text_en": "Speed of service (waiting and handling time)",
        **_RATING_LABELS,
    },
    {
        "code": "effectiveness",
        "qtype": "rating",
        "dimension": "effectiveness",
        "text_zh": "问题是否得到有效解决",
        "text_en": "Whether your problem was really solved",
        **_RATING_LABELS,
    },
    {
        "code": "after_sales",
        "qtype": "rating",
        "dimension": "after_sales",
        "text_zh": "售后服务与回访",
        "text_en": "After-sales service and follow-up",
        **_RATING_LABELS,
    },
    {
        "code": "comment",
        "qtype": "text",
        "dimension": "comment",
        "text_zh": "您还有什么意见或建议？",
        "text_en": "Anything else you would like to tell us?",
    },
]

SERVQUAL_ITEMS = [
    ("tangibles", "营业厅环境、设备和人员仪表", "The hall, equipment and staff appearance"),
    ("reliability", "按承诺准确可靠地提供服务", "Delivering the promised service dependably"),
    ("responsiveness", "及时主动地帮助客户", "Prompt, willing help"),
    ("assurance", "员工的专业知识与礼貌，让人放心", "Staff knowledge and courtesy you can trust"),
    ("empathy", "关心客户，提供个性化的关注", "Caring, individual attention"),
]


def _servqual_questions() -> list[dict[str, Any]]:
    questions = []
    for dimension, zh, en in SERVQUAL_ITEMS:
        for pair, zh_lead, en_lead in (
            ("expectation", "您期望的水平：", "What you expect: "),
            ("perception", "您实际感受到的水平：", "What you received: "),
        ):
            questions.append(
                {
                    "code": f"{dimension}_{pair[0]}",
                    "qtype": "scale7",
                    "dimension": dimension,
                    "pair": pair,
                    "required": True,
                    "text_zh": zh_lead + zh,
                    "text_en": en_lead + en,
                    "low_label_zh": "非常低",
                    "low_label_en": "Very low",
                    "high_label_zh": "非常高",
                    "high_label_en": "Very high",
                }
            )
    questions.append(
        {
            "code": "comment",
            "qtype": "text",
            "dimension": "comment",
            "text_zh": "您还有什么意见或建议？",
            "text_en": "Anything else you would like to tell us?",
        }
    )
    return questions


TEMPLATES: list[dict[str, Any]] = [
    {
        "code": POST_SERVICE,
        "name_zh": "服务后满意度调查",
        "name_en": "Post-service satisfaction survey",
        "intro_zh": "感谢您使用我们的服务，请花一分钟告诉我们您的感受。",
        "intro_en": "Thank you for using our service. Please take a minute to tell us how it went.",
        "is_servqual": False,
        "questions": POST_SERVICE_QUESTIONS,
    },
    {
        "code": SERVQUAL,
        "name_zh": "SERVQUAL 服务质量调查",
        "name_en": "SERVQUAL service quality survey",
        "intro_zh": "请分别给出您对每一方面的期望和实际感受（1 = 非常低，7 = 非常高）。",
        "intro_en": "For each aspect, rate what you expect and what you received (1 = very low, "
        "7 = very high).",
        "is_servqual": True,
        "questions": _servqual_questions(),
    },
]


def seed_templates(apps: Any = None, schema_editor: Any = None, **kwargs: Any) -> None:
    """Create the seeded templates with a published version 1 unless they exist."""
    if apps is not None and hasattr(apps, "get_model"):
        template_model = apps.get_model("surveys", "SurveyTemplate")
        version_model = apps.get_model("surveys", "SurveyVersion")
        question_model = apps.get_model("surveys", "Question")
    else:
        from sqms.surveys.models import Question, SurveyTemplate, SurveyVersion

        template_model, version_model, question_model = SurveyTemplate, SurveyVersion, Question
    for spec in TEMPLATES:
        template, created = template_model.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name_zh": spec["name_zh"],
                "name_en": spec["name_en"],
                "is_servqual": spec["is_servqual"],
            },
        )
        if not created and version_model.objects.filter(template=template).exists():
            continue
        version = version_model.objects.create(
            template=template,
            number=1,
            status="published",
            published_at=timezone.now(),
            intro_zh=spec["intro_zh"],
            intro_en=spec["intro_en"],
        )
        question_model.objects.bulk_create(
            question_model(version=version, position=i + 1, **question)
            for i, question in enumerate(spec["questions"])
        )


def on_post_migrate(sender: Any, **kwargs: Any) -> None:
    from sqms.core.app_modules import seeding_apps

    if sender.label == "surveys" and seeding_apps(sender.label, **kwargs) is not None:
        seed_templates()
