"""State changes of the core app: org units and users. Each runs in a transaction and writes
the audit log; views, the API and commands call these and hold no rules of their own."""

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.roles import ROLE_LABELS, ROLE_PERMISSIONS, role_permissions
from sqms.core.scope import sees_all_units, unit_in_scope

ORG_UNIT_FIELDS = ["code", "name", "name_en", "kind", "time_zone", "is_active"]
USER_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "org_unit",
    "employee_number",
    "mobile",
    "position",
    "hire_date",
    "language",
    "is_active",
]


# Permissions that widen what a user sees or controls; granting a role that carries one
# requires holding it.
GUARDED_PERMISSIONS = frozenset(
    {
        "core.view_all_units",
        "core.view_auditevent",
        "core.export_auditevent",
        "core.reveal_personal_data",
        "core.add_user",
        "core.change_user",
        "core.add_orgunit",
        "core.change_orgunit",
        "core.delete_orgunit",
    }
)


def _require_unit_in_scope(actor: Any, unit: OrgUnit | None, field: str) -> None:
    if unit is None:
        # A record without a unit is outside every unit's scope: only someone who sees every
        # unit may leave one so, or the actor would lose sight of their own change.
        if not sees_all_units(actor):
            raise DomainError(_("Choose an org unit within your scope."), field=field)
    elif not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field=field)


def _refuse_own_privilege_change(
    user: User, actor: Any, roles: list[str] | None, values: dict[str, Any]
) -> None:
    # Nobody raises or removes their own privileges: an administrator could otherwise make
    # themselves an auditor and read the log that watches them.
    if user.pk != actor.pk or actor.is_superuser:
        return
    if roles is not None and sorted(roles) != sorted(user.role_names):
        raise DomainError(_("You cannot change your own roles."), field="roles")
    if values.get("is_active") is False:
        raise DomainError(_("You cannot deactivate your own account."), field="is_active")


def create_org_unit(*, actor: Any, parent: OrgUnit | None, **values: Any) -> OrgUnit:
    with transaction.atomic():
        if parent is None:
            if OrgUnit.objects.get_root_nodes().exists() and not actor.is_superuser:
                raise DomainError(
                    _("Only a superuser can add another top-level unit."), field="parent"
                )
            unit = OrgUnit.objects.add_root(values)
        else:
            _require_unit_in_scope(actor, parent, "parent")
            unit = OrgUnit.objects.add_child(parent, values)
        audit.record(
            AuditAction.CREATE,
            unit,
            actor=actor,
            after=audit.snapshot(unit, [*ORG_UNIT_FIELDS, "path"]),
        )
    return unit


def update_org_unit(unit: OrgUnit, *, actor: Any, **values: Any) -> OrgUnit:
    with transaction.atomic():
        before = audit.snapshot(unit, ORG_UNIT_FIELDS)
        for name, value in values.items():
            if name not in ORG_UNIT_FIELDS:
                raise DomainError(_("Unknown field."), field=name)
            setattr(unit, name, value)
        unit.full_clean(exclude=["path", "depth", "numchild"])
        unit.save()
        old, new = audit.changes(before, audit.snapshot(unit, ORG_UNIT_FIELDS))
        if new:
            audit.record(AuditAction.UPDATE, unit, actor=actor, before=old, after=new)
    return unit


def delete_org_unit(unit: OrgUnit, *, actor: Any) -> None:
    with transaction.atomic():
        unit.refresh_from_db()
        if unit.numchild or OrgUnit.objects.get_children(unit).exists():
            raise ConflictError(_("An org unit with sub-units cannot be deleted."))
        if unit.members.exists():
            raise ConflictError(_("An org unit with members cannot be deleted; move them first."))
        before = audit.snapshot(unit, [*ORG_UNIT_FIELDS, "path"])
        audit.record(
            AuditAction.DELETE,
            unit,
            actor=actor,
            before=before,
            org_unit=OrgUnit.objects.get_parent(unit),
        )
        try:
            with transaction.atomic():
                unit.delete()
        except ProtectedError as error:
            raise ConflictError(
                _("This org unit is still referenced by other records; deactivate it instead.")
            ) from error


def _set_roles(user: User, roles: list[str], *, actor: Any) -> None:
    unknown = sorted(set(roles) - set(ROLE_PERMISSIONS))
    if unknown:
        raise DomainError(_("Unknown role: %(role)s") % {"role": ", ".join(unknown)}, field="roles")
    # Nobody hands out wider sight or powers than they hold: a branch's user administrator
    # must not make someone an auditor, who sees every unit and the audit log. Ordinary work
    # permissions (handling tickets, say) may be granted by any user administrator.
    if not actor.is_superuser:
        held = actor.get_all_permissions()
        for role in sorted(set(roles) - set(user.role_names)):
            if not (set(role_permissions()[role]) & GUARDED_PERMISSIONS) <= held:
                raise DomainError(
                    _("You cannot grant the role %(role)s: it has permissions you do not have.")
                    % {"role": ROLE_LABELS[role]},
                    field="roles",
                )
    user.groups.set(Group.objects.filter(name__in=roles))


def create_user(
    *, actor: Any, password: str | None, roles: list[str] | None = None, **values: Any
) -> User:
    with transaction.atomic():
        _require_unit_in_scope(actor, values.get("org_unit"), "org_unit")
        user = User(**values)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        _set_roles(user, roles or [], actor=actor)
        after = audit.snapshot(user, USER_FIELDS)
        after["roles"] = sorted(roles or [])
        audit.record(AuditAction.CREATE, user, actor=actor, after=after)
    return user


def update_user(user: User, *, actor: Any, roles: list[str] | None = None, **values: Any) -> User:
    with transaction.atomic():
        before = audit.snapshot(user, USER_FIELDS)
        before["roles"] = sorted(user.role_names)
        if "org_unit" in values:
            _require_unit_in_scope(actor, values["org_unit"], "org_unit")
        _refuse_own_privilege_change(user, actor, roles, values)
        for name, value in values.items():
            if name not in USER_FIELDS:
                raise DomainError(_("Unknown field."), field=name)
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save()
        if roles is not None:
            _set_roles(user, roles, actor=actor)
        after = audit.snapshot(user, USER_FIELDS)
        after["roles"] = sorted(roles) if roles is not None else before["roles"]
        old, new = audit.changes(before, after)
        if new:
            audit.record(AuditAction.UPDATE, user, actor=actor, before=old, after=new)
    return user


def set_password(user: User, password: str, *, actor: Any) -> None:
    """Set a password (validators are the caller's form's job); the audit shows only that it
    changed."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(AuditAction.SECURITY, user, actor=actor, after={"password": "changed"})
