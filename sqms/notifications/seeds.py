"""The seeded notification texts: every event × transport × language.

Applied by migration 0003 and again after every flush (post_migrate); a template that exists
is left as its editors made it, so seeding is idempotent and never overwrites edits.
"""

from typing import Any

# (event, transport, language) → (subject, body). SMS texts carry no subject and stay short.
SEED_TEMPLATES: dict[tuple[str, str, str], tuple[str, str]] = {
    # --- acknowledgement ------------------------------------------------------------------
    ("acknowledgement", "email", "zh-hans"): (
        "您的服务请求已受理",
        "{{ customer_name }}，您好：\n\n"
        "您提交的“{{ title }}”已受理，工单编号 {{ number }}。"
        "{% if due_time %}我们承诺于 {{ due_time }} 前处理完毕。{% endif %}\n"
        "{% if tracking_link %}查询进度：{{ tracking_link }}\n{% endif %}\n"
        "回复本邮件即可补充信息，请保留主题中的工单编号。\n\n客户服务中心",
    ),
    ("acknowledgement", "email", "en"): (
        "We have received your request",
        "Dear {{ customer_name }},\n\n"
        "We have registered your request “{{ title }}” under number {{ number }}."
        "{% if due_time %} We will resolve it by {{ due_time }}.{% endif %}\n"
        "{% if tracking_link %}Track it here: {{ tracking_link }}\n{% endif %}\n"
        "Reply to this e-mail to add information; please keep the number in the subject.\n\n"
        "Customer Service",
    ),
    ("acknowledgement", "sms", "zh-hans"): (
        "",
        "【客户服务】{{ customer_name }}，您的请求已受理，工单号{{ number }}"
        "{% if due_time %}，预计{{ due_time }}前处理完毕{% endif %}。"
        "{% if tracking_link %}查询：{{ tracking_link }}{% endif %}",
    ),
    ("acknowledgement", "sms", "en"): (
        "",
        "[Customer Service] {{ customer_name }}, request {{ number }} received"
        "{% if due_time %}, due by {{ due_time }}{% endif %}."
        "{% if tracking_link %} Track: {{ tracking_link }}{% endif %}",
    ),
    # --- assignment -----------------------------------------------------------------------
    ("assignment", "email", "zh-hans"): (
        "您的服务请求正在处理",
        "{{ customer_name }}，您好：\n\n"
        "您的工单 {{ number }}（{{ title }}）已由{{ department|default:'专人' }}负责处理，"
        "我们会尽快与您联系。\n"
        "{% if tracking_link %}查询进度：{{ tracking_link }}\n{% endif %}\n客户服务中心",
    ),
    ("assignment", "email", "en"): (
        "Your request is being handled",
        "Dear {{ customer_name }},\n\n"
        "Your request {{ number }} ({{ title }}) is now being handled by "
        "{{ department|default:'a specialist' }}. We will be in touch soon.\n"
        "{% if tracking_link %}Track it here: {{ tracking_link }}\n{% endif %}\n"
        "Customer Service",
    ),
    ("assignment", "sms", "zh-hans"): (
        "",
        "【客户服务】您的工单{{ number }}已由{{ department|default:'专人' }}负责处理，"
        "请保持电话畅通。",
    ),
    ("assignment", "sms", "en"): (
        "",
        "[Customer Service] Request {{ number }} is being handled by "
        "{{ department|default:'a specialist' }}.",
    ),
    # --- SLA warning ----------------------------------------------------------------------
    ("sla_warning", "email", "zh-hans"): (
        "您的服务请求仍在处理中",
        "{{ customer_name }}，您好：\n\n"
        "您的工单 {{ number }}（{{ title }}）仍在处理中，我们正在加紧处理"
        "{% if due_time %}，争取于 {{ due_time }} 前完成{% endif %}。感谢您的耐心。\n\n"
        "客户服务中心",
    ),
    ("sla_warning", "email", "en"): (
        "Your request is still in progress",
        "Dear {{ customer_name }},\n\n"
        "We are still working on your request {{ number }} ({{ title }})"
        "{% if due_time %} and aim to finish by {{ due_time }}{% endif %}. "
        "Thank you for your patience.\n\nCustomer Service",
    ),
    ("sla_warning", "sms", "zh-hans"): (
        "",
        "【客户服务】您的工单{{ number }}正在加紧处理中，感谢您的耐心等待。",
    ),
    ("sla_warning", "sms", "en"): (
        "",
        "[Customer Service] We are still working on request {{ number }}. Thank you for waiting.",
    ),
    # --- escalation -----------------------------------------------------------------------
    ("escalation", "email", "zh-hans"): (
        "您的服务请求已升级处理",
        "{{ customer_name }}，您好：\n\n"
        "您的工单 {{ number }}（{{ title }}）处理时间超出承诺，我们深表歉意。"
        "该工单已升级，由上级负责人督办。\n"
        "{% if tracking_link %}查询进度：{{ tracking_link }}\n{% endif %}\n客户服务中心",
    ),
    ("escalation", "email", "en"): (
        "We have escalated your request",
        "Dear {{ customer_name }},\n\n"
        "We are sorry that your request {{ number }} ({{ title }}) is taking longer than we "
        "promised. It has been escalated to a supervisor.\n"
        "{% if tracking_link %}Track it here: {{ tracking_link }}\n{% endif %}\n"
        "Customer Service",
    ),
    ("escalation", "sms", "zh-hans"): (
        "",
        "【客户服务】抱歉，您的工单{{ number }}处理超时，已升级由上级负责人督办。",
    ),
    ("escalation", "sms", "en"): (
        "",
        "[Customer Service] Sorry for the delay: request {{ number }} has been escalated.",
    ),
    # --- resolution -----------------------------------------------------------------------
    ("resolution", "email", "zh-hans"): (
        "您的服务请求已处理完毕，请确认",
        "{{ customer_name }}，您好：\n\n"
        "您的工单 {{ number }}（{{ title }}）已处理完毕。\n"
        "{% if message %}处理结果：{{ message }}\n{% endif %}\n"
        "{% if tracking_link %}请点击确认问题是否已解决：{{ tracking_link }}\n"
        "{% else %}如问题仍未解决，请直接回复本邮件。\n{% endif %}\n客户服务中心",
    ),
    ("resolution", "email", "en"): (
        "Your request is resolved: please confirm",
        "Dear {{ customer_name }},\n\n"
        "Your request {{ number }} ({{ title }}) has been resolved.\n"
        "{% if message %}Resolution: {{ message }}\n{% endif %}\n"
        "{% if tracking_link %}Please confirm whether the problem is solved: "
        "{{ tracking_link }}\n{% else %}If it is not solved, just reply to this e-mail.\n"
        "{% endif %}\nCustomer Service",
    ),
    ("resolution", "sms", "zh-hans"): (
        "",
        "【客户服务】您的工单{{ number }}已处理完毕"
        "{% if tracking_link %}，请确认是否解决：{{ tracking_link }}{% else %}，"
        "如未解决请回复本短信{% endif %}。",
    ),
    ("resolution", "sms", "en"): (
        "",
        "[Customer Service] Request {{ number }} is resolved."
        "{% if tracking_link %} Please confirm: {{ tracking_link }}"
        "{% else %} Reply if it is not solved.{% endif %}",
    ),
    # --- reply ----------------------------------------------------------------------------
    ("reply", "email", "zh-hans"): (
        "关于您的服务请求的回复",
        "{{ customer_name }}，您好：\n\n{{ message }}\n\n"
        "——工单 {{ number }}（{{ title }}）\n"
        "{% if tracking_link %}查询进度：{{ tracking_link }}\n{% endif %}"
        "回复本邮件即可继续沟通。\n\n客户服务中心",
    ),
    ("reply", "email", "en"): (
        "A reply about your request",
        "Dear {{ customer_name }},\n\n{{ message }}\n\n"
        "— request {{ number }} ({{ title }})\n"
        "{% if tracking_link %}Track it here: {{ tracking_link }}\n{% endif %}"
        "Reply to this e-mail to continue the conversation.\n\nCustomer Service",
    ),
    ("reply", "sms", "zh-hans"): ("", "【客户服务】工单{{ number }}：{{ message }}"),
    ("reply", "sms", "en"): ("", "[Customer Service] Request {{ number }}: {{ message }}"),
    # --- survey invitation ----------------------------------------------------------------
    ("survey_invitation", "email", "zh-hans"): (
        "请评价我们的服务",
        "{{ customer_name }}，您好：\n\n"
        "感谢您联系我们（工单 {{ number }}）。请花一分钟评价本次服务，帮助我们做得更好：\n"
        "{{ survey_link }}\n{% if expires_at %}链接 {{ expires_at }} 前有效。\n{% endif %}"
        "\n客户服务中心",
    ),
    ("survey_invitation", "email", "en"): (
        "How did we do?",
        "Dear {{ customer_name }},\n\n"
        "Thank you for contacting us (request {{ number }}). Please take a minute to rate "
        "our service:\n{{ survey_link }}\n"
        "{% if expires_at %}The link is valid until {{ expires_at }}.\n{% endif %}"
        "\nCustomer Service",
    ),
    ("survey_invitation", "sms", "zh-hans"): (
        "",
        "【客户服务】感谢您的来电/来访，请对本次服务（{{ number }}）进行评价：{{ survey_link }}",
    ),
    ("survey_invitation", "sms", "en"): (
        "",
        "[Customer Service] Please rate our service ({{ number }}): {{ survey_link }}",
    ),
    # --- incident notice ------------------------------------------------------------------
    ("incident_notice", "email", "zh-hans"): (
        "服务通告：{{ title }}",
        "{{ customer_name }}，您好：\n\n{{ message }}\n\n给您带来不便，敬请谅解。\n\n客户服务中心",
    ),
    ("incident_notice", "email", "en"): (
        "Service notice: {{ title }}",
        "Dear {{ customer_name }},\n\n{{ message }}\n\n"
        "We apologise for the inconvenience.\n\nCustomer Service",
    ),
    ("incident_notice", "sms", "zh-hans"): ("", "【服务通告】{{ message }}"),
    ("incident_notice", "sms", "en"): ("", "[Service notice] {{ message }}"),
}


def seed_templates(apps: Any, schema_editor: Any) -> None:
    """Create the missing seeded templates (works with the historical or the real model)."""
    template_model = apps.get_model("notifications", "NotificationTemplate")
    existing = set(template_model.objects.values_list("event", "transport", "language"))
    template_model.objects.bulk_create(
        [
            template_model(
                event=event, transport=transport, language=language, subject=subject, body=body
            )
            for (event, transport, language), (subject, body) in SEED_TEMPLATES.items()
            if (event, transport, language) not in existing
        ]
    )
