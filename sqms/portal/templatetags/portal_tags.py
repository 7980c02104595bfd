"""Template helpers of the portal: the service hotline from settings."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def service_hotline() -> str:
    return str(getattr(settings, "SQMS_SERVICE_HOTLINE", "") or "")
