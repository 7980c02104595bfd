"""Permissions the customers app gives each role (merged by sqms.core.roles)."""

_READ = [
    "customers.view_customer",
    "customers.view_consent",
]
_WORK = [
    *_READ,
    "customers.add_customer",
    "customers.change_customer",
    "customers.add_consent",
    "customers.change_consent",
]
_RETENTION_READ = ["customers.view_retentionrule", "customers.view_destructionlog"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": [*_WORK],
    "unit_manager": [
        *_WORK,
        "customers.delete_customer",
        "customers.merge_customer",
        "customers.export_customer",
    ],
    "quality_manager": [*_READ],
    "quality_inspector": [*_READ],
    "auditor": [*_READ, *_RETENTION_READ, "customers.export_customer"],
    "admin": [
        *_READ,
        *_RETENTION_READ,
        "customers.change_retentionrule",
        "customers.erase_customer",
        "customers.hold_customer",
        "customers.export_customer",
    ],
}
