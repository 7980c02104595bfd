"""Template context shared by every page: the navigation the user's roles allow."""

from typing import Any

from django.http import HttpRequest

from sqms.core import navigation as nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    sections = nav.sections_for(request)
    return {
        "nav_sections": sections,
        "nav_items": [entry for section in sections for entry in section.entries],
    }
