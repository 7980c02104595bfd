"""What each role may do with inspections, findings, checklists and ticket reviews
(merged by sqms.core.roles)."""

P = "inspections."
READ = [
    P + "view_inspection",
    P + "view_finding",
    P + "view_checklisttemplate",
    P + "view_ticketreview",
]
INSPECT = [
    *READ,
    P + "add_inspection",
    P + "change_inspection",
    P + "delete_inspection",
    P + "add_finding",
    P + "change_finding",
    P + "delete_finding",
    P + "view_samplingplan",
    P + "change_ticketreview",
    P + "inspect_all_units",
]
MANAGE = [
    *INSPECT,
    P + "review_inspection",
    P + "export_inspection",
    P + "add_checklisttemplate",
    P + "change_checklisttemplate",
    P + "add_samplingplan",
    P + "change_samplingplan",
    P + "delete_samplingplan",
    P + "draw_samplingplan",
    P + "add_ticketreview",
    P + "export_ticketreview",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Front-line staff: the reviews of their own tickets, read-only.
    "agent": [P + "view_ticketreview"],
    # Managers of a unit: its inspections, findings (they answer them) and reviews.
    "unit_manager": [*READ, P + "change_finding"],
    "quality_inspector": INSPECT,
    "quality_manager": MANAGE,
    "auditor": [
        *READ,
        P + "view_samplingplan",
        P + "export_inspection",
        P + "export_ticketreview",
        P + "inspect_all_units",
    ],
    "admin": [P + "view_checklisttemplate"],
}
