"""Template context shared by every page: the navigation the user's roles allow."""

from typing import Any

from django.http import HttpRequest

from sqms.core import navigation as nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"nav_items": nav.entries_for(request)}
