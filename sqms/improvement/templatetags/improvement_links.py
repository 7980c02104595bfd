"""Template helpers for other apps' pages: a link that opens an improvement action for a record.

    {% load improvement_links %}
    {% open_action_url alert "alert" as url %}
    {% if url %}<a class="btn btn-outline-secondary" href="{{ url }}">…</a>{% endif %}

The URL is empty when the user may not open actions.
"""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def open_action_url(context: dict[str, Any], record: Any, source: str) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("improvement.add_improvementaction"):
        return ""
    query = urlencode(
        {"source": source, "source_type": record._meta.label_lower, "source_id": record.pk}
    )
    return f"{reverse('improvement_action_create')}?{query}"
