"""Creating, finding and revoking API tokens. Keys are random; only their digest is stored."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.models import ApiToken

KEY_PREFIX = "sqms_"


def digest(key: str) -> str:
    # The key has 256 bits of entropy, so a fast hash is enough; no salt or slow KDF needed.
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(
    *, user: Any, name: str, actor: Any, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Return the token row and its key; the key is never shown again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[:12], digest=digest(key), expires_at=expires_at
        )
        audit.record(
            AuditAction.CREATE,
            token,
            actor=actor,
            after={"user": user.pk, "name": name, "prefix": token.prefix},
            org_unit=user.org_unit,
        )
    return token, key


def revoke_token(token: ApiToken, *, actor: Any) -> None:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                AuditAction.DELETE,
                token,
                actor=actor,
                before={"prefix": token.prefix},
                org_unit=token.user.org_unit,
            )


def find_active(key: str) -> ApiToken | None:
    now = timezone.now()
    return (
        ApiToken.objects.select_related("user", "user__org_unit")
        .filter(digest=digest(key), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )


def touch(token: ApiToken, now: datetime) -> None:
    """Record use at most once a minute, so busy clients do not write on every request."""
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
