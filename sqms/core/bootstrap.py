"""Changes made before any user can act: the first administrator of an installation.

Every other change goes through sqms.core.services with an acting user whose scope is checked.
Installing needs one step without such a user; these functions take it, audited with the
system (no user) as the actor. Only commands run at the console (`createadmin`, `demo`) call
them.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import audit, services
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.models import User
from sqms.core.roles import ROLE_PERMISSIONS

PRIVILEGE_FIELDS = ["is_superuser", "is_staff", "is_active"]


def _roles(names: list[str]) -> list[Group]:
    unknown = sorted(set(names) - set(ROLE_PERMISSIONS))
    if unknown:
        raise DomainError(_("Unknown role: %(role)s") % {"role": ", ".join(unknown)}, field="roles")
    return list(Group.objects.filter(name__in=names))


def create_user(*, password: str, roles: list[str], superuser: bool = False, **values: Any) -> User:
    """Create a user on the system's authority (validators are the caller's job)."""
    with transaction.atomic():
        user = User(**values, is_superuser=superuser, is_staff=superuser)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.set(_roles(roles))
        after = audit.snapshot(user, [*services.USER_FIELDS, *PRIVILEGE_FIELDS])
        after["roles"] = sorted(roles)
        audit.record(AuditAction.CREATE, user, actor=AnonymousUser(), after=after)
    return user


def make_superuser(user: User, *, roles: list[str]) -> User:
    """Make an existing user an active superuser with `roles` added to theirs."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = audit.snapshot(user, PRIVILEGE_FIELDS)
        before["roles"] = sorted(user.role_names)
        user.is_superuser = user.is_staff = user.is_active = True
        user.save(update_fields=PRIVILEGE_FIELDS)
        user.groups.add(*_roles(roles))
        after = audit.snapshot(user, PRIVILEGE_FIELDS)
        after["roles"] = sorted({*before["roles"], *roles})
        old, new = audit.changes(before, after)
        if new:
            audit.record(AuditAction.SECURITY, user, actor=AnonymousUser(), before=old, after=new)
    return user
