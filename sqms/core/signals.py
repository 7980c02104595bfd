"""Log-in signal receivers: audit of log-ins, log-outs and failures; the second-factor flag."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.middleware import SECOND_FACTOR_PENDING


def record_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit.record(AuditAction.LOGIN, user, actor=user)


def require_second_factor(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """A user who turned two-factor on must enter a code in this session as well, whatever
    their role (RequireTwoFactorMiddleware reads the flag)."""
    if (
        request is not None
        and hasattr(request, "session")
        and TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    ):
        request.session[SECOND_FACTOR_PENDING] = True


def record_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Logging out without being logged in sends the signal with no user; nothing happened.
    if user is not None and getattr(user, "is_authenticated", False):
        audit.record(AuditAction.LOGOUT, user, actor=user)


def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Record the username that was tried, never the password (Django has already masked it in
    `credentials`, and only the username is read here)."""
    user_model = get_user_model()
    attempted = str(credentials.get(user_model.USERNAME_FIELD) or "")[:150]
    after: dict[str, Any] = {"username": attempted}
    if request is not None and getattr(request, "axes_locked_out", False):
        # axes handles the signal first (its app is listed before ours) and flags lockouts.
        after["locked_out"] = True
    account = (
        user_model._default_manager.select_related("org_unit").filter(username=attempted).first()
        if attempted
        else None
    )
    if account is not None:
        audit.record(AuditAction.LOGIN_FAILED, account, actor=None, after=after)
    else:
        audit.record(
            AuditAction.LOGIN_FAILED,
            actor=None,
            after=after,
            object_type=user_model._meta.label_lower,
            object_repr=attempted,
        )


def connect() -> None:
    user_logged_in.connect(record_login, dispatch_uid="sqms.core.audit_login")
    user_logged_in.connect(require_second_factor, dispatch_uid="sqms.core.second_factor")
    user_logged_out.connect(record_logout, dispatch_uid="sqms.core.audit_logout")
    user_login_failed.connect(record_login_failed, dispatch_uid="sqms.core.audit_login_failed")
