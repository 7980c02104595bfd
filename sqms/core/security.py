"""Account security services: log-in lockout (django-axes) and TOTP two-factor (django-otp)."""

import math
from collections.abc import Iterable
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.middleware import two_factor_required
from sqms.core.models import User
from sqms.core.scope import unit_in_scope, unit_scope_filter

MANAGE_USERS = "core.change_user"

__all__ = [
    "confirm_totp_device",
    "confirmed_device",
    "disable_two_factor",
    "is_locked_out",
    "locked_out_usernames",
    "lockout_minutes",
    "manageable_users",
    "pending_device",
    "reset_two_factor",
    "two_factor_required",
    "unlock_user",
    "verify_second_factor",
]


# --- who may manage whom --------------------------------------------------------------------


def manageable_users(actor: Any) -> QuerySet[User]:
    """Users whose account the actor may administer: the actor's scope, and only with the
    permission to change users (otherwise nobody)."""
    if not actor.has_perm(MANAGE_USERS):
        return User.objects.none()
    return User.objects.filter(unit_scope_filter(actor, "org_unit"))


def _require_user_admin(actor: Any, user: User) -> None:
    if not actor.has_perm(MANAGE_USERS):
        raise PermissionDenied(_("You may not administer user accounts."))
    if not (actor.is_superuser or unit_in_scope(actor, user.org_unit)):
        raise PermissionDenied(_("This user is outside your scope."))


# --- lockout --------------------------------------------------------------------------------


def _failure_limit() -> int:
    limit = settings.AXES_FAILURE_LIMIT
    # A callable limit needs the request; the badge then falls back to axes' own default.
    return limit if isinstance(limit, int) else 3


def locked_out_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these usernames axes currently locks out, in one query (for list badges).

    Mirrors axes' rule for AXES_LOCKOUT_PARAMETERS = ["username"]: the failures recorded for
    the username within the cool-off window reach the failure limit."""
    names = list(usernames)
    if not names:
        return set()
    attempts = AccessAttempt.objects.filter(username__in=names)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    rows = (
        attempts.values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=_failure_limit())
    )
    return {row["username"] for row in rows}


def is_locked_out(user: User) -> bool:
    return user.get_username() in locked_out_usernames([user.get_username()])


def lockout_minutes() -> int | None:
    """How long a lockout lasts, in whole minutes; None when only an administrator can lift
    it."""
    cool_off = get_cool_off()
    return None if cool_off is None else math.ceil(cool_off.total_seconds() / 60)


def unlock_user(user: User, *, actor: Any) -> int:
    """Forget the user's failed log-ins so they can log in again; returns how many attempt
    records were cleared."""
    with transaction.atomic():
        _require_user_admin(actor, user)
        was_locked = is_locked_out(user)
        cleared = axes_reset(username=user.get_username())
        audit.record(
            AuditAction.SECURITY,
            user,
            actor=actor,
            after={"lockout": "unlocked", "was_locked": was_locked, "attempts_cleared": cleared},
        )
    return cleared


# --- two-factor -----------------------------------------------------------------------------


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up; reused so reloading the page keeps the same secret
    (the user may already have scanned it)."""
    if confirmed_device(user) is not None:
        raise ConflictError(_("Two-factor authentication is already set up."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="totp", confirmed=False)
    return device


def _check_code(device: TOTPDevice, code: str) -> str | None:
    """Verify a code on the device; None when accepted, else the message to show. Failures
    are saved on the device (throttling), so call it where they are not rolled back."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        seconds = (
            max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
            if locked_until
            else 1
        )
        return _("Too many wrong codes. Wait %(seconds)d seconds and try again.") % {
            "seconds": seconds
        }
    if device.verify_token(code):
        return None
    return _("This code is not valid. Check that your device's clock is correct and try again.")


def confirm_totp_device(device: TOTPDevice, code: str, *, actor: Any) -> TOTPDevice:
    """Turn a pending device on once the user proves it works with a current code."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        user = device.user
        if device.confirmed or confirmed_device(user) is not None:
            raise ConflictError(_("Two-factor authentication is already set up."))
        problem = _check_code(device, code)
        if problem is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
            audit.record(AuditAction.SECURITY, user, actor=actor, after={"two_factor": "enabled"})
    if problem is not None:
        raise DomainError(problem, field="code")
    return device


def verify_second_factor(user: User, code: str) -> TOTPDevice:
    """Check the code of the user's device after a password log-in; every outcome is audited,
    so repeated guessing shows in the log."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ConflictError(_("Two-factor authentication is not set up."))
        problem = _check_code(device, code)
        audit.record(
            AuditAction.SECURITY,
            user,
            actor=user,
            after={"two_factor": "verified" if problem is None else "wrong_code"},
        )
    if problem is not None:
        raise DomainError(problem, field="code")
    return device


def disable_two_factor(user: User, *, actor: Any) -> None:
    """The user turns their own second factor off, unless their role requires it."""
    with transaction.atomic():
        if two_factor_required(user):
            raise DomainError(
                _("Your role requires two-factor authentication; it cannot be turned off.")
            )
        if confirmed_device(user) is None:
            raise ConflictError(_("Two-factor authentication is not turned on."))
        TOTPDevice.objects.filter(user=user).delete()
        audit.record(AuditAction.SECURITY, user, actor=actor, after={"two_factor": "disabled"})


def reset_two_factor(user: User, *, actor: Any) -> int:
    """An administrator removes a user's devices (a lost phone); the user sets up a new one at
    the next log-in. Sessions verified with the old device lose that verification at once."""
    with transaction.atomic():
        _require_user_admin(actor, user)
        if user.is_superuser and not actor.is_superuser:
            raise PermissionDenied(_("Only a superuser can reset a superuser's two-factor."))
        removed, _details = TOTPDevice.objects.filter(user=user).delete()
        audit.record(
            AuditAction.SECURITY,
            user,
            actor=actor,
            after={"two_factor": "reset", "devices_removed": removed},
        )
    return removed
