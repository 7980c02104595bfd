"""PDFs of a plan version and of a post-incident review, rendered with WeasyPrint from
templates in the reader's language (fonts as for the service desk's receipts)."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sqms.emergency.models import CriticalService, Incident, PlanVersion

FONT_FAMILY = "Noto Sans CJK SC"


def _pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which only the PDF path needs.
    from weasyprint import HTML

    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def plan_html(version: PlanVersion, *, language: str | None = None) -> str:
    services = CriticalService.objects.filter(plans=version.plan).order_by("code")
    with translation.override(language or translation.get_language()):
        return render_to_string(
            "emergency/pdf_plan.html",
            {
                "version": version,
                "plan": version.plan,
                "services": services,
                "font_family": FONT_FAMILY,
                "printed_at": timezone.localtime(),
            },
        )


def plan_pdf(version: PlanVersion, *, language: str | None = None) -> bytes:
    return _pdf(plan_html(version, language=language))


def review_html(incident: Incident, context: dict[str, Any], *, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return render_to_string(
            "emergency/pdf_review.html",
            {
                **context,
                "incident": incident,
                "font_family": FONT_FAMILY,
                "printed_at": timezone.localtime(),
            },
        )


def review_pdf(
    incident: Incident, context: dict[str, Any], *, language: str | None = None
) -> bytes:
    return _pdf(review_html(incident, context, language=language))
