"""The staff app's permissions per role (merged by sqms.core.roles.role_permissions)."""


def _perms(action: str, *models: str) -> list[str]:
    return [f"staff.{action}_{model}" for model in models]


_CATALOGUE = (
    "course",
    "trainingsession",
    "trainingplan",
    "planitem",
    "question",
    "exam",
    "certificationtype",
)
_PERSONAL = ("staffprofile", "enrolment", "attempt", "certification")
_ALL = (*_CATALOGUE, *_PERSONAL, "scorecard", "scorecardweights", "rewardpenalty", "competency")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": ["staff.take_exam"],
    "trainer": [
        *_perms("view", *_CATALOGUE, *_PERSONAL, "competency"),
        *_perms("add", *_CATALOGUE, "staffprofile", "enrolment", "certification", "competency"),
        *_perms("change", *_CATALOGUE, *_PERSONAL, "competency"),
        *_perms("delete", *_CATALOGUE, "enrolment", "competency"),
        "staff.take_exam",
        "core.view_user",
        # The training department serves the whole organisation: its trainers reach every
        # unit's staff (courses, enrolments, exams, archives), not only their own department.
        "core.view_all_units",
    ],
    "unit_manager": [
        *_perms(
            "view",
            *_CATALOGUE,
            *_PERSONAL,
            "scorecard",
            "scorecardweights",
            "rewardpenalty",
            "competency",
        ),
        "staff.add_enrolment",
        "staff.add_scorecard",
        *_perms("add", "rewardpenalty"),
        *_perms("change", "rewardpenalty"),
        *_perms("delete", "rewardpenalty"),
        "staff.approve_rewardpenalty",
        "staff.take_exam",
    ],
    "quality_manager": [
        *_perms("view", "staffprofile", "scorecard", "scorecardweights", "rewardpenalty"),
        *_perms("add", "scorecardweights", "scorecard", "rewardpenalty"),
        *_perms("change", "rewardpenalty"),
        *_perms("delete", "rewardpenalty"),
        "staff.change_scorecardweights",
    ],
    "quality_inspector": [
        "staff.view_scorecard",
        "staff.view_rewardpenalty",
        *_perms("add", "rewardpenalty"),
        *_perms("change", "rewardpenalty"),
        *_perms("delete", "rewardpenalty"),
    ],
    "auditor": _perms("view", *_ALL),
    "admin": [
        *_perms("view", *_ALL),
        *_perms("add", "certificationtype", "scorecardweights"),
        *_perms("change", "certificationtype", "scorecardweights"),
    ],
}
