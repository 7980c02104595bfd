"""Signed tracking links: a customer opens their ticket's public page without number and
phone. The token holds the ticket id and the link version; raising the version (revoke) makes
every link sent before invalid. Tokens do not expire."""

from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from sqms.core.public_address import public_url
from sqms.portal.models import TrackingLinkVersion
from sqms.servicedesk.models import Ticket

SALT = "sqms.portal.tracking"


def _version(ticket_id: int) -> int:
    row = TrackingLinkVersion.objects.filter(ticket_id=ticket_id).values_list("version", flat=True)
    return next(iter(row), 0)


def tracking_token(ticket: Ticket) -> str:
    return _token(ticket.pk, _version(ticket.pk))


def _token(ticket_id: int, version: int) -> str:
    return signing.dumps({"t": ticket_id, "v": version}, salt=SALT, compress=True)


def tracking_url(ticket: Ticket) -> str:
    """The absolute URL of the ticket's public tracking page (contract used by other apps)."""
    return tracking_urls([ticket])[ticket.pk]


def tracking_urls(tickets: list[Ticket]) -> dict[int, str]:
    """tracking_url of many tickets, by ticket id, with one query for their link versions."""
    ids = {ticket.pk for ticket in tickets}
    versions = dict(
        TrackingLinkVersion.objects.filter(ticket_id__in=ids).values_list("ticket_id", "version")
    )
    # Reversed once: a token's characters (URL-safe base64, ":" and ".") pass reverse() as
    # they are, so putting each token in place of a stand-in gives what reverse() would.
    pattern = public_url(reverse("portal_link", args=[_STAND_IN]))
    return {pk: pattern.replace(_STAND_IN, _token(pk, versions.get(pk, 0))) for pk in ids}


_STAND_IN = "token-stand-in"


def ticket_for_token(token: str) -> Ticket | None:
    """The ticket a token opens, or None if it is forged, altered or revoked."""
    try:
        payload: Any = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    ticket_id, version = payload.get("t"), payload.get("v")
    if not isinstance(ticket_id, int) or not isinstance(version, int):
        return None
    if version != _version(ticket_id):
        return None
    return Ticket.objects.filter(pk=ticket_id).select_related("org_unit").first()


def revoke_links(ticket: Ticket) -> int:
    """Invalidate every tracking link of `ticket` sent so far; returns the new version."""
    with transaction.atomic():
        row, _created = TrackingLinkVersion.objects.select_for_update().get_or_create(ticket=ticket)
        TrackingLinkVersion.objects.filter(pk=row.pk).update(version=F("version") + 1)
        row.refresh_from_db()
    return row.version
