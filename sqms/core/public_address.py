"""Where customers reach this installation: links in notifications, receipts and invitations."""

from django.conf import settings


def public_url(path: str = "") -> str:
    """SQMS_PUBLIC_BASE_URL followed by `path` (a path from reverse(), starting with /)."""
    return str(settings.SQMS_PUBLIC_BASE_URL).rstrip("/") + path
