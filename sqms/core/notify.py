"""Telling users things: one Notification row per recipient, in the recipient's language.

    notify([owner, assignee], lambda: _("Ticket %(number)s was transferred.") % {...}, obj=t)

`message` is a plain string, a lazy translation (gettext_lazy), or a callable returning a
string: the callable (or lazy string) is evaluated once per recipient with that recipient's
language active, so interpolated messages are translated too. Call it from
`transaction.on_commit` so a rolled-back change tells nobody.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from sqms.core.models import Notification

Message = str | Promise | Callable[[], Any]

_MESSAGE_LENGTH = Notification._meta.get_field("message").max_length or 500


def _render(message: Message, language: str | None) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        text = message() if callable(message) else message
        return str(text)[:_MESSAGE_LENGTH]


def notify(
    recipients: Iterable[Any],
    message: Message,
    *,
    url: str = "",
    obj: models.Model | None = None,
) -> list[Notification]:
    """Create one notification per distinct, active recipient (None entries are skipped)."""
    seen: set[Any] = set()
    wanted = []
    for user in recipients:
        if user is None or user.pk in seen or not getattr(user, "is_active", True):
            continue
        seen.add(user.pk)
        wanted.append(user)
    if not wanted:
        return []
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    # Render each language once: a hall's hundred users mostly share one.
    rendered: dict[str, str] = {}
    rows = []
    for user in wanted:
        language = getattr(user, "language", "") or ""
        if language not in rendered:
            rendered[language] = _render(message, language)
        rows.append(
            Notification(
                recipient=user,
                message=rendered[language],
                url=url[:300],
                object_type=object_type,
                object_id=object_id,
            )
        )
    return Notification.objects.bulk_create(rows)
