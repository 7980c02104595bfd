"""What each role may do with surveys (merged by sqms.core.roles)."""

VIEW = [
    "surveys.view_surveytemplate",
    "surveys.view_surveyversion",
    "surveys.view_invitationrule",
    "surveys.view_campaign",
    "surveys.view_invitation",
    "surveys.view_surveyresponse",
    "surveys.view_followup",
]
MANAGE = [
    *VIEW,
    "surveys.add_surveytemplate",
    "surveys.change_surveytemplate",
    "surveys.delete_surveytemplate",
    "surveys.add_invitationrule",
    "surveys.change_invitationrule",
    "surveys.delete_invitationrule",
    "surveys.add_campaign",
    "surveys.change_campaign",
    "surveys.delete_campaign",
    "surveys.change_followup",
    "surveys.export_surveyresponse",
    "surveys.enter_surveyresponse",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Agents hand the counter tablet over and enter answers given by phone; they see the
    # survey card on their tickets, not the results.
    "agent": ["surveys.enter_surveyresponse"],
    "unit_manager": [
        *VIEW,
        "surveys.change_followup",
        "surveys.export_surveyresponse",
        "surveys.enter_surveyresponse",
    ],
    "quality_manager": MANAGE,
    "quality_inspector": VIEW,
    "auditor": [*VIEW, "surveys.export_surveyresponse"],
}
