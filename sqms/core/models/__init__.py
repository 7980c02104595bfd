"""Models of the core app."""

from sqms.core.models.audit import AppendOnlyError, AuditChainHead, AuditEvent
from sqms.core.models.base import ScopedModel, ScopedQuerySet, TimeStampedModel
from sqms.core.models.calendar import BusinessCalendar, CalendarException
from sqms.core.models.notifications import Notification
from sqms.core.models.org import OrgUnit
from sqms.core.models.system import NumberSequence, PeriodicJobState, WorkerHeartbeat
from sqms.core.models.tokens import ApiToken
from sqms.core.models.users import User

__all__ = [
    "ApiToken",
    "AppendOnlyError",
    "AuditChainHead",
    "AuditEvent",
    "BusinessCalendar",
    "CalendarException",
    "Notification",
    "NumberSequence",
    "OrgUnit",
    "PeriodicJobState",
    "ScopedModel",
    "ScopedQuerySet",
    "TimeStampedModel",
    "User",
    "WorkerHeartbeat",
]
