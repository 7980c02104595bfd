"""The actions of the ticket page: for each, its form, who may use it, when it is offered and
the service it calls. The state machine itself is declared in sqms.servicedesk.transitions;
the services check every rule again, so hiding an action is a courtesy, not the guard."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_scope_filter
from sqms.servicedesk import forms as sd_forms
from sqms.servicedesk import services
from sqms.servicedesk.choices import OPEN_STATUSES
from sqms.servicedesk.models import Ticket
from sqms.servicedesk.transitions import ACTION_LABELS, allowed_actions

CHANGE = "servicedesk.change_ticket"
VERIFY = "servicedesk.verify_ticket"

Perform = Callable[[Ticket, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class ActionSpec:
    key: str
    label: Any
    form_class: type[sd_forms.ActionForm]
    perform: Perform
    permission: str = CHANGE
    icon: str = "arrow-right"
    style: str = "outline-primary"
    # Transitions appear when the state machine allows them; the others while this holds.
    when: Callable[[Ticket], bool] | None = None
    # Not offered to the user who resolved the ticket (the service refuses it too).
    not_for_resolver: bool = False
    # A single button rather than a form to unfold (nothing to fill in).
    inline: bool = False


def is_open(ticket: Ticket) -> bool:
    return ticket.status in OPEN_STATUSES


def _feedback(ticket: Ticket, actor: Any, data: dict[str, Any]) -> Ticket:
    return services.record_feedback(
        ticket, actor=actor, confirmed=data["confirmed"], note=data["note"]
    )


def _assign(ticket: Ticket, actor: Any, data: dict[str, Any]) -> Ticket:
    return services.assign_ticket(
        ticket,
        actor=actor,
        assignee=data["assignee"],
        department=data["department"],
        note=data["note"],
    )


ACTIONS: dict[str, ActionSpec] = {
    spec.key: spec
    for spec in (
        ActionSpec(
            "triage",
            ACTION_LABELS["triage"],
            sd_forms.TriageForm,
            lambda t, a, d: services.triage_ticket(t, actor=a, **d),
            icon="tags",
        ),
        ActionSpec(
            "respond",
            ACTION_LABELS["respond"],
            sd_forms.RespondForm,
            lambda t, a, d: services.respond_to_ticket(t, actor=a, message=d["message"]),
            icon="reply",
            style="primary",
        ),
        ActionSpec(
            "start",
            ACTION_LABELS["start"],
            sd_forms.EmptyActionForm,
            lambda t, a, d: services.start_ticket(t, actor=a),
            icon="play-circle",
            style="primary",
            inline=True,
        ),
        ActionSpec(
            "pause",
            ACTION_LABELS["pause"],
            sd_forms.ReasonForm,
            lambda t, a, d: services.pause_ticket(t, actor=a, reason=d["reason"]),
            icon="pause-circle",
            style="outline-warning",
        ),
        ActionSpec(
            "resume",
            ACTION_LABELS["resume"],
            sd_forms.EmptyActionForm,
            lambda t, a, d: services.resume_ticket(t, actor=a),
            icon="play-circle",
            style="primary",
            inline=True,
        ),
        ActionSpec(
            "resolve",
            ACTION_LABELS["resolve"],
            sd_forms.ResolveForm,
            lambda t, a, d: services.resolve_ticket(t, actor=a, **d),
            icon="check2-circle",
            style="success",
        ),
        ActionSpec(
            "verify",
            ACTION_LABELS["verify"],
            sd_forms.NoteForm,
            lambda t, a, d: services.verify_resolution(t, actor=a, note=d["note"]),
            permission=VERIFY,
            icon="patch-check",
            style="success",
            not_for_resolver=True,
        ),
        ActionSpec(
            "send_back",
            ACTION_LABELS["send_back"],
            sd_forms.ReasonForm,
            lambda t, a, d: services.send_back_resolution(t, actor=a, reason=d["reason"]),
            permission=VERIFY,
            icon="arrow-return-left",
            style="outline-danger",
            not_for_resolver=True,
        ),
        ActionSpec(
            "confirm",
            ACTION_LABELS["confirm"],
            sd_forms.FeedbackForm,
            _feedback,
            icon="emoji-smile",
            style="success",
        ),
        ActionSpec(
            "close",
            ACTION_LABELS["close"],
            sd_forms.NoteForm,
            lambda t, a, d: services.close_ticket(t, actor=a, note=d["note"]),
            icon="archive",
            style="outline-secondary",
        ),
        ActionSpec(
            "reopen",
            ACTION_LABELS["reopen"],
            sd_forms.ReasonForm,
            lambda t, a, d: services.reopen_ticket(t, actor=a, reason=d["reason"]),
            icon="arrow-counterclockwise",
            style="outline-danger",
        ),
        ActionSpec(
            "assign",
            gettext_lazy("Assign / transfer"),
            sd_forms.AssignForm,
            _assign,
            icon="person-up",
            when=is_open,
        ),
        ActionSpec(
            "priority",
            gettext_lazy("Change priority"),
            sd_forms.PriorityForm,
            lambda t, a, d: services.change_priority(t, actor=a, **d),
            icon="flag",
            style="outline-secondary",
            when=is_open,
        ),
    )
}


def action_allowed(spec: ActionSpec, ticket: Ticket, user: Any) -> bool:
    """Whether the ticket page offers `spec` to `user` now."""
    if not user.has_perm(spec.permission):
        return False
    if spec.not_for_resolver and ticket.resolved_by_id == user.pk:
        return False
    if spec.when is not None:
        return spec.when(ticket)
    return spec.key in allowed_actions(ticket.status)


def assignable_users(user: Any) -> QuerySet[User]:
    """People a ticket may be handed to: active staff in the user's scope who work tickets."""
    works = Q(
        groups__permissions__codename="change_ticket",
        groups__permissions__content_type__app_label="servicedesk",
    ) | Q(
        user_permissions__codename="change_ticket",
        user_permissions__content_type__app_label="servicedesk",
    )
    in_scope = User.objects.filter(unit_scope_filter(user, "org_unit"), is_active=True)
    return (
        User.objects.filter(pk__in=in_scope.filter(works).values("pk"))
        .select_related("org_unit")
        .order_by("org_unit__path", "username")
    )


def build_action_form(
    spec: ActionSpec, ticket: Ticket, user: Any, data: Any = None
) -> sd_forms.ActionForm:
    kwargs: dict[str, Any] = {"ticket": ticket, "user": user, "action": spec.key}
    if spec.form_class is sd_forms.AssignForm:
        kwargs["assignees"] = assignable_users(user)
        kwargs["departments"] = OrgUnit.objects.visible_to(user)
    return spec.form_class(data, **kwargs)


def can_comment(user: Any) -> bool:
    return bool(user.has_perm(CHANGE) or user.has_perm(VERIFY))
