"""Rules of the core services that hold whichever door (UI, API, command) calls them."""

import pytest
from django.contrib.auth.models import Permission

from sqms.core import services
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent, OrgUnit


def test_an_administrator_cannot_grant_a_role_with_more_than_they_hold(org, make_user):
    admin = make_user("admin", unit=org.hq)
    agent = make_user("agent", unit=org.hall1)
    with pytest.raises(DomainError) as refused:
        services.update_user(agent, actor=admin, roles=["agent", "auditor"])
    assert refused.value.field == "roles"
    assert sorted(agent.role_names) == ["agent"]
    services.update_user(agent, actor=admin, roles=["unit_manager"])
    assert agent.role_names == ["unit_manager"]


def test_a_superuser_may_grant_any_role(org, make_user):
    root = make_user(unit=org.hq, is_superuser=True)
    agent = make_user("agent", unit=org.hall1)
    services.update_user(agent, actor=root, roles=["auditor"])
    assert agent.role_names == ["auditor"]


def test_nobody_changes_their_own_roles_or_deactivates_themselves(org, make_user):
    admin = make_user("admin", unit=org.hq)
    with pytest.raises(DomainError):
        services.update_user(admin, actor=admin, roles=["admin", "trainer"])
    with pytest.raises(DomainError):
        services.update_user(admin, actor=admin, is_active=False)
    services.update_user(admin, actor=admin, position="IT")  # other fields are fine


def test_users_and_units_outside_scope_are_refused(org, make_user):
    branch_admin = make_user(unit=org.branch1)
    branch_admin.user_permissions.set(
        Permission.objects.filter(codename__in=["add_user", "change_user", "add_orgunit"])
    )
    with pytest.raises(DomainError):
        services.create_user(actor=branch_admin, password=None, username="x", org_unit=org.hall2)
    with pytest.raises(DomainError):
        services.create_user(actor=branch_admin, password=None, username="y", org_unit=None)
    with pytest.raises(DomainError):
        services.create_org_unit(
            actor=branch_admin, parent=org.branch2, code="Z", name="Z", kind="team"
        )
    assert not OrgUnit.objects.filter(code="Z").exists()


def test_deleting_a_unit_keeps_its_audit_history(org, make_user):
    admin = make_user("admin", unit=org.hq)
    unit = services.create_org_unit(actor=admin, parent=org.hall2, code="T", name="T", kind="team")
    services.delete_org_unit(unit, actor=admin)
    assert not OrgUnit.objects.filter(code="T").exists()
    assert list(
        AuditEvent.objects.filter(object_type="core.orgunit", object_id=str(unit.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["create", "delete"]


def test_units_with_children_or_members_are_not_deleted(org, make_user):
    admin = make_user("admin", unit=org.hq)
    with pytest.raises(ConflictError):
        services.delete_org_unit(org.branch2, actor=admin)
    make_user("agent", unit=org.hall2)
    with pytest.raises(ConflictError):
        services.delete_org_unit(org.hall2, actor=admin)
