"""Rendering notification templates over a small whitelisted context, in the customer's language.

Templates are Django template syntax, but rendered by an engine of their own that loads no
other template and sees only the plain strings below (never a model), so an edited template can
neither reach data it should not nor break a page: errors come back as text for the edit page.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.template import Context, Engine, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.choices import Language
from sqms.core.masking import surname_length
from sqms.core.public_address import public_url

# The names a template may use, with what each holds (shown on the edit page).
CONTEXT_HELP: dict[str, Any] = {
    "number": gettext_lazy("Ticket number, e.g. SQ20261121000123"),
    "title": gettext_lazy("Ticket title (or the notice's title)"),
    "customer_name": gettext_lazy("Salutation only, e.g. 张先生 / Mr Zhang"),
    "status": gettext_lazy("Ticket status, in the customer's language"),
    "due_time": gettext_lazy("Promised resolution time"),
    "department": gettext_lazy("Department or unit handling the request"),
    "tracking_link": gettext_lazy("Link to the ticket's public tracking page"),
    "survey_link": gettext_lazy("Link to the satisfaction survey"),
    "survey": gettext_lazy("Name of the survey"),
    "expires_at": gettext_lazy("Until when the survey link is valid"),
    "message": gettext_lazy("Message text (reply, resolution, notice)"),
}

_engine = Engine(autoescape=False, string_if_invalid="", loaders=[], debug=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


class TemplateProblem(Exception):
    """The template does not compile or render; the message says why."""


def language_of(value: str | None) -> str:
    """A supported template language for a customer's (or user's) language code."""
    value = (value or "").lower()
    if value.startswith("en"):
        return Language.EN
    return Language.ZH_HANS


def salutation(name: str, gender: str, language: str) -> str:
    """张先生 / 李女士 / Mr Zhang — the surname and a title, never the full name."""
    name = (name or "").strip()
    if not name:
        with translation.override(language):
            return _("customer")
    surname = (
        name[: surname_length(name)]
        if any("\u4e00" <= c <= "\u9fff" for c in name)
        else (name.split()[-1])
    )
    if language == Language.EN:
        title = {"male": "Mr", "female": "Ms"}.get(gender, "Mr/Ms")
        return f"{title} {surname}"
    title = {"male": "先生", "female": "女士"}.get(gender, "先生/女士")
    return f"{surname}{title}"


def format_time(moment: datetime | None) -> str:
    """Local time as 2026-11-23 18:00, the same in every language."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


_status_labels: dict[tuple[str, str], str] = {}


def status_label(ticket: Any, language: str) -> str:
    """The ticket's status in `language` (translated once per status and language: switching
    the language costs more than the rest of a message's context)."""
    key = (ticket.status, language)
    label = _status_labels.get(key)
    if label is None:
        with translation.override(language):
            label = _status_labels[key] = str(ticket.get_status_display())
    return label


def ticket_context(ticket: Any, customer: Any, language: str) -> dict[str, str]:
    """The whitelisted context of a ticket's notification (strings only)."""
    context: dict[str, str] = dict.fromkeys(CONTEXT_HELP, "")
    name, gender = "", ""
    if customer is not None:
        name, gender = customer.name or "", customer.gender or ""
    elif ticket is not None:
        name = ticket.customer_name or ""
    context["customer_name"] = salutation(name, gender, language)
    if ticket is not None:
        context["status"] = status_label(ticket, language)
        department = ticket.handling_department or ticket.org_unit
        context["department"] = department.name_in(language) if department is not None else ""
        context["number"] = ticket.number
        context["title"] = ticket.title
        context["due_time"] = format_time(ticket.resolve_due_at)
    return context


def sample_context(language: str) -> dict[str, str]:
    """Sample data for the preview on the edit page."""
    base = public_url()
    english = language == Language.EN
    return {
        "number": "SQ20261121000123",
        "title": "Broadband keeps dropping" if english else "宽带频繁掉线",
        "customer_name": "Mr Zhang" if english else "张先生",
        "status": "In progress" if english else "处理中",
        "due_time": "2026-11-23 18:00",
        "department": "Network Maintenance" if english else "网络维护中心",
        "tracking_link": f"{base}/portal/t/sample-token/",
        "survey_link": f"{base}/surveys/answer/sample-token/",
        "survey": "Service satisfaction" if english else "服务满意度回访",
        "expires_at": "2026-11-28 18:00",
        "message": (
            "We reset your line's port; please restart the modem."
            if english
            else "已为您重置宽带端口，请重启光猫后再试。"
        ),
    }


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    # Compiling costs several times more than rendering, and a few templates serve every
    # message; an edited template is a new source, so it is compiled afresh.
    return _engine.from_string(source)


def render_text(source: str, context: dict[str, Any]) -> str:
    try:
        return _compiled(source).render(Context(context, autoescape=False))
    except Exception as error:  # any template error is the editor's to fix, not a crash
        raise TemplateProblem(f"{type(error).__name__}: {error}") from error


def render(subject: str, body: str, context: dict[str, Any]) -> Rendered:
    """Render a subject (one line) and a body; TemplateProblem names what is wrong."""
    rendered_subject = " ".join(render_text(subject, context).split())
    rendered_body = render_text(body, context).strip()
    return Rendered(subject=rendered_subject, body=rendered_body)


def problems(subject: str, body: str) -> list[str]:
    """What is wrong with a template, tried with the sample data of both languages."""
    found = []
    for language in (Language.ZH_HANS, Language.EN):
        try:
            render(subject, body, sample_context(language))
        except TemplateProblem as problem:
            found.append(str(problem))
            break
    return found
