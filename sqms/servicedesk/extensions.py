"""Sections other apps add to the ticket page and the registration form.

An app registers a section from its AppConfig.ready():

    from sqms.servicedesk import extensions

    extensions.register_ticket_section(
        extensions.Section(
            key="knowledge",
            template="knowledge/_ticket_section.html",
            context=lambda request, ticket: {"articles": ...} or None,  # None: not shown
            place="side",  # "main" (below the timeline) or "side" (above the actions)
            order=100,
        )
    )

The template is included with `section` (the dict the callable returned) and the page's
context; on the registration form the callable receives the form instead of a ticket. A
section is optional: one whose callable raises is logged and left out, so an add-on never
breaks the page agents work on.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    place: str = "main"
    order: int = 100


@dataclass(frozen=True)
class RenderedSection:
    key: str
    template: str
    place: str
    data: dict[str, Any]


_ticket_sections: dict[str, Section] = {}
_registration_sections: dict[str, Section] = {}


def register_ticket_section(section: Section) -> None:
    _ticket_sections[section.key] = section


def register_registration_section(section: Section) -> None:
    _registration_sections[section.key] = section


def _render(sections: dict[str, Section], request: HttpRequest, subject: Any) -> list[Any]:
    rendered = []
    for section in sorted(sections.values(), key=lambda s: (s.order, s.key)):
        try:
            data = section.context(request, subject)
        except Exception:
            logger.exception("ticket page section %s failed", section.key)
            continue
        if data is not None:
            rendered.append(RenderedSection(section.key, section.template, section.place, data))
    return rendered


def ticket_sections(request: HttpRequest, ticket: Any) -> list[RenderedSection]:
    return _render(_ticket_sections, request, ticket)


def registration_sections(request: HttpRequest, form: Any) -> list[RenderedSection]:
    return _render(_registration_sections, request, form)
