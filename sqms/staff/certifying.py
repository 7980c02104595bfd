"""Certifications: granting them, and the check the service desk makes at registration."""

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.service_helpers import copy_saved_state, lock_in_scope, require_permission
from sqms.staff.choices import Enforcement
from sqms.staff.models import Attempt, Certification, CertificationType
from sqms.staff.models.base import ancestor_paths


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def grant_certification(
    person: Any,
    cert_type: CertificationType,
    *,
    actor: Any,
    obtained_on: date | None = None,
    attempt: Attempt | None = None,
) -> Certification:
    """Record a qualification, valid for its type's months from the day it was obtained."""
    if person.org_unit_id is None:
        raise DomainError(_("The person belongs to no org unit."), field="person")
    obtained = obtained_on or timezone.localdate()
    with transaction.atomic():
        certification = Certification.objects.create(
            person=person,
            cert_type=cert_type,
            org_unit_id=person.org_unit_id,
            obtained_on=obtained,
            expires_on=add_months(obtained, cert_type.validity_months),
            attempt=attempt,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            AuditAction.CREATE, certification, actor=actor, after=audit.snapshot(certification)
        )
    return certification


def revoke_certification(certification: Certification, *, actor: Any, reason: str) -> Certification:
    """Withdraw a qualification before its expiry (e.g. after a serious service error); the
    holder is then treated at registration as if it had expired. The reason is kept."""
    require_permission(
        actor, ["staff.change_certification"], _("You may not revoke certifications.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the certification is revoked."), field="reason")
    with transaction.atomic():
        locked = lock_in_scope(
            Certification,
            certification,
            actor,
            related=("cert_type", "person"),
            missing=_("No such certification."),
        )
        if locked.person_id == actor.pk:
            raise DomainError(_("You cannot revoke your own certification."), field="reason")
        if locked.revoked:
            raise ConflictError(_("This certification is already revoked."), code="revoked")
        before = audit.snapshot(locked)
        locked.revoked = True
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked", "revoked_at", "revoke_reason"])
        audit.record(
            AuditAction.UPDATE, locked, actor=actor, before=before, after=audit.snapshot(locked)
        )
    return copy_saved_state(certification, locked)


@dataclass(frozen=True)
class CertificationCheck:
    message: str
    blocking: bool
    missing: tuple[CertificationType, ...]


def required_types(user: Any, kind: str, category: Any = None) -> list[CertificationType]:
    """The certification types that apply to `user`'s unit for a ticket of `kind` (and
    problem type `category`, a type naming a parent category covering its children)."""
    unit = user.org_unit
    if unit is None:
        return []
    applies = models.Q(category__isnull=True)
    if category is not None:
        applies |= models.Q(category__path__in=ancestor_paths(category.path, category.steplen))
    return list(
        CertificationType.objects.filter(
            applies,
            ticket_kind=kind,
            org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen),
        ).order_by("code")
    )


def certification_check(
    user: Any, kind: str, category: Any = None, *, today: date | None = None
) -> CertificationCheck | None:
    """None when `user` holds a valid certification for every type the business needs."""
    types = required_types(user, kind, category)
    if not types:
        return None
    day = today or timezone.localdate()
    held = set(
        Certification.objects.filter(
            person=user.pk, cert_type__in=types, revoked=False, expires_on__gte=day
        ).values_list("cert_type_id", flat=True)
    )
    missing = tuple(t for t in types if t.pk not in held)
    if not missing:
        return None
    names = "、".join(t.name for t in missing)
    blocking = any(t.enforcement == Enforcement.BLOCK for t in missing)
    if blocking:
        message = _(
            "You hold no valid certification for this business (%(names)s), so you may not "
            "register it."
        ) % {"names": names}
    else:
        message = _(
            "You hold no valid certification for this business (%(names)s); please arrange "
            "training or ask a certified colleague."
        ) % {"names": names}
    return CertificationCheck(message=message, blocking=blocking, missing=missing)


def certification_warning(user: Any, kind: str, category: Any = None) -> str | None:
    """The warning to show an agent registering `kind` business, or None when all is well.
    Whether it blocks is configured per certification type (`enforcement`); see
    `certification_check` for that answer."""
    check = certification_check(user, kind, category)
    return check.message if check else None
