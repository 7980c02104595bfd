"""The staff app's menu entries (order 300-349)."""

from django.utils.translation import gettext_lazy as _

from sqms.core import navigation
from sqms.core.navigation import NavItem


def register_navigation() -> None:
    navigation.register(
        NavItem(
            key="staff_people",
            label=_("Staff archive"),
            url_name="staff_person_list",
            icon="person-vcard",
            description=_("Each person's training, exams, certifications, scores and rewards."),
            permission="staff.view_staffprofile",
            order=300,
        ),
        NavItem(
            key="staff_training",
            label=_("Training"),
            url_name="staff_course_list",
            icon="easel",
            description=_(
                "Courses, sessions, attendance, plans per position and overdue training."
            ),
            permission="staff.view_course",
            order=310,
        ),
        NavItem(
            key="staff_exams",
            label=_("Exams"),
            url_name="staff_exam_list",
            icon="pencil-square",
            description=_("The question bank, exams drawn by rules, and online attempts."),
            any_permissions=("staff.view_exam", "staff.take_exam"),
            order=320,
        ),
        NavItem(
            key="staff_scorecards",
            label=_("Scorecards"),
            url_name="staff_scorecard_list",
            icon="trophy",
            description=_("Monthly weighted scores, ranking in the unit and the service stars."),
            permission="staff.view_scorecard",
            order=330,
        ),
        NavItem(
            key="staff_rewards",
            label=_("Rewards and penalties"),
            url_name="staff_reward_list",
            icon="award",
            description=_("Rewards and penalties with evidence, approved by a manager."),
            permission="staff.view_rewardpenalty",
            order=340,
        ),
        NavItem(
            key="staff_me",
            label=_("My record"),
            url_name="staff_me",
            icon="person-badge",
            description=_("Your training, exams, certifications and scores."),
            order=345,
        ),
    )
