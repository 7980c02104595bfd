"""The PDCA stage machine, declared once: which step moves an action from which stages.

Services call `target_stage(current, step)` before changing anything; a step not allowed from
the current stage raises ConflictError (HTTP 409) and changes nothing.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.errors import ConflictError
from sqms.improvement.choices import Stage as S

# step: (allowed from, moves to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start_do": (frozenset({S.PLAN}), S.DO),
    "start_check": (frozenset({S.DO}), S.CHECK),
    "start_act": (frozenset({S.CHECK}), S.ACT),
    "close": (frozenset({S.ACT}), S.CLOSED),
    # Not effective: back to planning for another turn of the cycle.
    "replan": (frozenset({S.CHECK, S.ACT}), S.PLAN),
    "cancel": (frozenset({S.PLAN, S.DO, S.CHECK, S.ACT}), S.CANCELLED),
}

STEP_LABELS = {
    "start_do": gettext_lazy("Start implementing"),
    "start_check": gettext_lazy("Start checking"),
    "start_act": gettext_lazy("Act on the result"),
    "close": gettext_lazy("Standardise and close"),
    "replan": gettext_lazy("Plan another cycle"),
    "cancel": gettext_lazy("Cancel"),
}


def allowed_steps(stage: str) -> list[str]:
    return [step for step, (sources, _target) in TRANSITIONS.items() if stage in sources]


def target_stage(current: str, step: str) -> str:
    if step not in TRANSITIONS:
        raise ConflictError(_("Unknown step."), field="step", code="invalid_choice")
    sources, target = TRANSITIONS[step]
    if current not in sources:
        raise ConflictError(
            _("“%(step)s” is not possible while the action is at “%(stage)s”.")
            % {"step": STEP_LABELS[step], "stage": S(current).label},
            code="illegal_transition",
        )
    return target
