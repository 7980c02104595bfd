"""Models of the portal: rate-limit counters and the versions of tracking links."""

from sqms.portal.models.portal import LimitHit, TrackingLinkVersion

__all__ = ["LimitHit", "TrackingLinkVersion"]
