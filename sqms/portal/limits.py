"""Rate limits of the public portal, counted in the database so that every web process shares
them (per address and per phone number; windows and maxima from settings with defaults).

    SQMS_PORTAL_LIMITS = {"submit_ip": (5, 3600), "submit_phone": (3, 86400), ...}
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sqms.core.masking import normalise_phone
from sqms.portal.choices import LimitKind
from sqms.portal.models import LimitHit

# kind: (most requests, per so many seconds)
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    LimitKind.SUBMIT_IP: (5, 60 * 60),
    LimitKind.SUBMIT_PHONE: (3, 24 * 60 * 60),
    LimitKind.TRACK_FAILURE_IP: (10, 60 * 60),
    LimitKind.MESSAGE_IP: (20, 60 * 60),
}


@dataclass(frozen=True)
class Limit:
    most: int
    seconds: int


def limit_for(kind: str) -> Limit:
    configured = getattr(settings, "SQMS_PORTAL_LIMITS", {}) or {}
    most, seconds = configured.get(kind, DEFAULT_LIMITS[kind])
    return Limit(int(most), int(seconds))


def limit_key(kind: str, value: str) -> str:
    """A keyed hash of the counted value: addresses and phone numbers are not stored."""
    if kind == LimitKind.SUBMIT_PHONE:
        value = normalise_phone(value)
    return salted_hmac("sqms.portal.limits", f"{kind}:{value}", algorithm="sha256").hexdigest()


def is_limited(kind: str, value: str, *, now: datetime | None = None) -> bool:
    """Whether `value` has used up its allowance of `kind` in the current window."""
    limit = limit_for(kind)
    if limit.most <= 0:
        return False
    since = (now or timezone.now()) - timedelta(seconds=limit.seconds)
    used = LimitHit.objects.filter(
        kind=kind, key=limit_key(kind, value), created_at__gt=since
    ).count()
    return used >= limit.most


def count_hit(kind: str, value: str, *, now: datetime | None = None) -> None:
    LimitHit.objects.create(kind=kind, key=limit_key(kind, value), created_at=now or timezone.now())


def prune(*, now: datetime | None = None) -> int:
    """Delete the hits that no window looks at any more; returns how many."""
    longest = max(limit_for(kind).seconds for kind in DEFAULT_LIMITS)
    before = (now or timezone.now()) - timedelta(seconds=longest)
    deleted, _per_model = LimitHit.objects.filter(created_at__lte=before).delete()
    return deleted


def client_address(request: object) -> str:
    """The address a request came from (REMOTE_ADDR; a reverse proxy must set it right)."""
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR") or "unknown")
