"""Every state change of the risk register: raising and re-rating risks, controls, acceptances,
reviews, closing, and opening an improvement action from a risk.

Each function runs in one transaction, checks the actor's permission and scope and the domain's
rules (DomainError 400, ConflictError 409, nothing changed on refusal), computes levels from the
risk's matrix, writes a history line and the audit event, and schedules notifications for after
the commit.
"""

from sqms.risk.services.common import (
    ADD_RISK,
    APPROVE_ACCEPTANCE,
    AUDIT_FIELDS,
    CHANGE_RISK,
    CONTROL_FIELDS,
    DEFAULT_REVIEW_DAYS,
    EDITABLE_FIELDS,
    NUMBER_PREFIX,
)
from sqms.risk.services.controls import (
    add_control,
    record_acceptance,
    record_review,
    update_control,
)
from sqms.risk.services.risks import (
    close_risk,
    improvement_available,
    open_improvement_action,
    raise_risk,
    reopen_risk,
    update_risk,
)

__all__ = [
    "ADD_RISK",
    "APPROVE_ACCEPTANCE",
    "AUDIT_FIELDS",
    "CHANGE_RISK",
    "CONTROL_FIELDS",
    "DEFAULT_REVIEW_DAYS",
    "EDITABLE_FIELDS",
    "NUMBER_PREFIX",
    "add_control",
    "close_risk",
    "improvement_available",
    "open_improvement_action",
    "raise_risk",
    "record_acceptance",
    "record_review",
    "reopen_risk",
    "update_control",
    "update_risk",
]
