"""The incident state machine, declared once: which action moves an incident from which states.

报告 reported → 评估 assessed → 启动 activated → 处置 responding → 信息发布 informing →
恢复 restored → 总结 reviewing → closed; a false alarm is dismissed before activation.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.errors import ConflictError
from sqms.emergency.choices import IncidentStatus as S

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "assess": (frozenset({S.REPORTED}), S.ASSESSED),
    "activate": (frozenset({S.ASSESSED}), S.ACTIVATED),
    "respond": (frozenset({S.ACTIVATED}), S.RESPONDING),
    "inform": (frozenset({S.RESPONDING}), S.INFORMING),
    "restore": (frozenset({S.ACTIVATED, S.RESPONDING, S.INFORMING}), S.RESTORED),
    "start_review": (frozenset({S.RESTORED}), S.REVIEWING),
    "close": (frozenset({S.REVIEWING}), S.CLOSED),
    "dismiss": (frozenset({S.REPORTED, S.ASSESSED}), S.DISMISSED),
}

ACTION_LABELS = {
    "assess": gettext_lazy("Assess"),
    "activate": gettext_lazy("Activate the plan"),
    "respond": gettext_lazy("Start response"),
    "inform": gettext_lazy("Release information"),
    "restore": gettext_lazy("Mark service restored"),
    "start_review": gettext_lazy("Start the review"),
    "close": gettext_lazy("Close"),
    "dismiss": gettext_lazy("Dismiss as false alarm"),
}

# Where changing the level, adding timeline entries and notices make sense.
LEVEL_CHANGE_STATUSES = frozenset({S.ASSESSED, S.ACTIVATED, S.RESPONDING, S.INFORMING, S.RESTORED})
NOTICE_STATUSES = frozenset({S.ACTIVATED, S.RESPONDING, S.INFORMING, S.RESTORED})
TIMELINE_STATUSES = frozenset(
    {S.REPORTED, S.ASSESSED, S.ACTIVATED, S.RESPONDING, S.INFORMING, S.RESTORED, S.REVIEWING}
)


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def target_status(current: str, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise ConflictError(
            _("“%(action)s” is not possible while the incident is “%(status)s”.")
            % {"action": ACTION_LABELS[action], "status": S(current).label},
            code="illegal_transition",
        )
    return target
