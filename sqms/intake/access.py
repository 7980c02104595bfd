"""Permission- and scope-checked fetches of intake records for views and the API."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.intake.models import InboundMessage, Integration, Mailbox

VIEW_MESSAGE = "intake.view_inboundmessage"
VIEW_MAILBOX = "intake.view_mailbox"
VIEW_INTEGRATION = "intake.view_integration"


def visible_messages(user: Any) -> QuerySet[InboundMessage]:
    if not user.is_authenticated or not user.has_perm(VIEW_MESSAGE):
        return InboundMessage.objects.none()
    return (
        InboundMessage.objects.visible_to(user)
        .select_related("org_unit", "mailbox", "integration", "ticket")
        .defer("raw")
    )


def visible_mailboxes(user: Any) -> QuerySet[Mailbox]:
    if not user.is_authenticated or not user.has_perm(VIEW_MAILBOX):
        return Mailbox.objects.none()
    return Mailbox.objects.visible_to(user).select_related("org_unit")


def visible_integrations(user: Any) -> QuerySet[Integration]:
    if not user.is_authenticated or not user.has_perm(VIEW_INTEGRATION):
        return Integration.objects.none()
    return Integration.objects.visible_to(user).select_related("org_unit")


def _fetch(queryset: QuerySet, pk: Any, user: Any, permission: str, missing: str) -> Any:
    if not user.is_authenticated or not user.has_perm(permission):
        raise PermissionDenied
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as gone:
        raise Http404(missing) from gone


def access_message(user: Any, pk: Any, *, with_raw: bool = False) -> InboundMessage:
    queryset = visible_messages(user)
    if with_raw:
        queryset = queryset.defer(None).select_related(
            "org_unit", "mailbox", "integration", "ticket"
        )
    return _fetch(queryset, pk, user, VIEW_MESSAGE, _("No such message."))


def access_mailbox(user: Any, pk: Any) -> Mailbox:
    return _fetch(visible_mailboxes(user), pk, user, VIEW_MAILBOX, _("No such mailbox."))


def access_integration(user: Any, pk: Any) -> Integration:
    return _fetch(visible_integrations(user), pk, user, VIEW_INTEGRATION, _("No such integration."))
