"""Survey links: the signed single-use token of an invitation, and the public answer URL.

token = Signer(salt).sign(<random nonce>); the database keeps the nonce and the SHA-256 of
the token (for look-up), so a stolen copy of the database rebuilds no link without the
server's secret key. The nonce (128 random bits) identifies the invitation, which lets a
campaign create its invitations with one bulk insert (an id is known only after it).
Contract for other apps: `ticket_survey_url(ticket)`.
"""

import hashlib
import secrets
from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from sqms.core.public_address import public_url

SALT = "sqms.surveys.invitation"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)[:22]


def make_token(nonce: str) -> str:
    return signing.Signer(salt=SALT).sign(nonce)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(invitation: Any) -> str:
    return make_token(invitation.nonce)


def answer_path(invitation: Any) -> str:
    return reverse("survey_answer", args=[token_of(invitation)])


def invitation_url(invitation: Any) -> str:
    """The absolute link to the public answer page."""
    return public_url(answer_path(invitation))


def find_invitation(token: str) -> Any:
    """The invitation of a well-signed token, or None (tampered, unknown)."""
    from sqms.surveys.models import Invitation

    try:
        signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        Invitation.objects.select_related("version__template", "ticket", "customer", "org_unit")
        .filter(token_hash=token_hash(token))
        .first()
    )


def ticket_survey_url(ticket: Any) -> str | None:
    """The answer page of the ticket's open invitation, if it has one."""
    from sqms.surveys.choices import InvitationStatus
    from sqms.surveys.models import Invitation

    invitation = (
        Invitation.objects.filter(
            ticket_id=ticket.pk, status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    return invitation_url(invitation) if invitation else None
