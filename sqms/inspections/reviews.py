"""Ticket review (复核): sampling plans, the deterministic monthly draw, the review queue and
the reviewer's verdict, which can flag the ticket as a service error.

The draw ranks each agent's closed tickets of the month by a keyed hash of (seed, ticket id)
and takes ceil(share × n) of them: the same plan, month and seed always draw the same tickets,
another seed other ones, and every agent gets exactly their share. Complaints with low
satisfaction (from the surveys app, when installed) are added on top.
"""

import calendar
import hashlib
import hmac
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import User
from sqms.core.service_helpers import copy_saved_state, lock_in_scope, require_permission
from sqms.inspections.choices import ChecklistKind, ReviewReason, ReviewStatus, VersionStatus
from sqms.inspections.models import (
    ChecklistVersion,
    ReviewScore,
    SampleDraw,
    SamplingPlan,
    TicketReview,
)
from sqms.inspections.scope import unit_in_inspection_scope
from sqms.inspections.services import ScoreInput, result_of, save_scores

VIEW_PLAN = "inspections.view_samplingplan"
ADD_PLAN = "inspections.add_samplingplan"
CHANGE_PLAN = "inspections.change_samplingplan"
DELETE_PLAN = "inspections.delete_samplingplan"
DRAW = "inspections.draw_samplingplan"
VIEW_REVIEW = "inspections.view_ticketreview"
DO_REVIEW = "inspections.change_ticketreview"
ADD_REVIEW = "inspections.add_ticketreview"
INSPECTOR_ROLE = "quality_inspector"
PLAN_FIELDS = ["name", "org_unit", "share_percent", "include_low_satisfaction", "kinds", "seed"]
REVIEW_AUDIT = [
    "ticket",
    "reason",
    "agent",
    "reviewer",
    "status",
    "score",
    "passed",
    "service_error",
    "service_error_reason",
    "comment",
]
# Closed tickets count for the month they were closed in.
SAMPLED_STATUSES = ("closed",)


# --- the month and the keyed hash ---------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def rank_key(seed: int, ticket_id: int) -> str:
    """A ticket's place in the draw: HMAC-SHA256 keyed by the seed (stable across processes
    and databases, unlike the database's random())."""
    return hmac.new(str(seed).encode(), str(ticket_id).encode(), hashlib.sha256).hexdigest()


def share_of(n: int, share_percent: Decimal) -> int:
    """ceil(share × n), exact in decimals (5% of 20 is 1, not 2 from float error)."""
    if n <= 0 or share_percent <= 0:
        return 0
    return min(n, math.ceil(Decimal(n) * Decimal(share_percent) / Decimal(100)))


def select_sample(
    tickets_by_agent: Mapping[Any, Iterable[int]], share_percent: Decimal, seed: int
) -> dict[Any, list[int]]:
    """Per agent, the ceil(share × n) tickets with the lowest keyed hash."""
    chosen: dict[Any, list[int]] = {}
    for agent, ids in tickets_by_agent.items():
        ranked = sorted(set(ids), key=lambda pk: (rank_key(seed, pk), pk))
        take = share_of(len(ranked), share_percent)
        if take:
            chosen[agent] = ranked[:take]
    return chosen


# --- what a plan would draw ---------------------------------------------------------------


@dataclass
class Sample:
    closed: int = 0
    by_agent: dict[Any, list[int]] = field(default_factory=dict)
    low_satisfaction: list[int] = field(default_factory=list)
    agent_of: dict[int, int | None] = field(default_factory=dict)

    @property
    def sampled_ids(self) -> list[int]:
        return [pk for ids in self.by_agent.values() for pk in ids]


def closed_tickets(plan: SamplingPlan, month: date) -> Any:
    """The plan's population: tickets of its unit subtree closed in the month (local time),
    of its kinds if it names any."""
    from sqms.quality.sources import day_start
    from sqms.servicedesk.models import Ticket

    first, last = month_bounds(month)
    tickets = Ticket.objects.filter(
        org_unit__path__startswith=plan.org_unit.path,
        status__in=SAMPLED_STATUSES,
        closed_at__gte=day_start(first),
        closed_at__lt=day_start(last + timedelta(days=1)),
    )
    if plan.kinds:
        tickets = tickets.filter(kind__in=list(plan.kinds))
    return tickets.annotate(
        reviewed_agent=Coalesce("resolved_by_id", "assignee_id", "first_contact_owner_id")
    )


def _low_satisfaction_ids(first: date, last: date) -> set[int]:
    try:
        from sqms.surveys.results import low_satisfaction_ticket_ids  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return set()
    return set(low_satisfaction_ticket_ids(first, last))


def sample_tickets(plan: SamplingPlan, month: date, seed: int) -> Sample:
    """What a draw of `plan` for `month` with `seed` takes (nothing is written)."""
    rows = list(closed_tickets(plan, month).values_list("pk", "reviewed_agent", "kind"))
    by_agent: dict[Any, list[int]] = defaultdict(list)
    sample = Sample(closed=len(rows))
    for pk, agent, _kind in rows:
        by_agent[agent].append(pk)
        sample.agent_of[pk] = agent
    sample.by_agent = select_sample(by_agent, Decimal(plan.share_percent), seed)
    if plan.include_low_satisfaction:
        first, last = month_bounds(month)
        low = _low_satisfaction_ids(first, last)
        sampled = set(sample.sampled_ids)
        sample.low_satisfaction = sorted(
            pk
            for pk, _agent, kind in rows
            if kind == "complaint" and pk in low and pk not in sampled
        )
    return sample


# --- plans --------------------------------------------------------------------------------


def _plan_values(actor: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    from sqms.servicedesk.choices import TicketKind

    clean = {name: values[name] for name in PLAN_FIELDS if name in values}
    if "name" in clean:
        clean["name"] = str(clean["name"] or "").strip()
        if not clean["name"]:
            raise DomainError(_("This field is required."), field="name", code="required")
        if len(clean["name"]) > 120:
            raise DomainError(_("At most %(limit)d characters.") % {"limit": 120}, field="name")
    if "org_unit" in clean and not unit_in_inspection_scope(actor, clean["org_unit"]):
        raise DomainError(_("Choose an org unit within your scope."), field="org_unit")
    if "share_percent" in clean:
        try:
            share = Decimal(str(clean["share_percent"]))
        except ArithmeticError as error:
            raise DomainError(_("Enter a percentage."), field="share_percent") from error
        if not share.is_finite() or share < 0 or share > 100:
            raise DomainError(_("Enter a percentage from 0 to 100."), field="share_percent")
        clean["share_percent"] = share
    if "kinds" in clean:
        kinds = list(clean["kinds"] or [])
        if any(kind not in TicketKind.values for kind in kinds):
            raise DomainError(_("Select valid ticket kinds."), field="kinds")
        clean["kinds"] = sorted(set(kinds))
    if "seed" in clean:
        try:
            clean["seed"] = int(clean["seed"])
        except (TypeError, ValueError) as error:
            raise DomainError(_("Enter a whole number."), field="seed") from error
        if not 0 <= clean["seed"] <= 2_000_000_000:
            raise DomainError(_("Enter a whole number."), field="seed")
    return clean


def create_plan(*, actor: Any, **values: Any) -> SamplingPlan:
    require_permission(actor, [ADD_PLAN], _("You are not allowed to manage sampling plans."))
    for required in ("name", "org_unit"):
        if values.get(required) in (None, ""):
            raise DomainError(_("This field is required."), field=required, code="required")
    clean = _plan_values(actor, values)
    with transaction.atomic():
        plan = SamplingPlan.objects.create(created_by=actor, **clean)
        audit.record(AuditAction.CREATE, plan, actor=actor, after=audit.snapshot(plan, PLAN_FIELDS))
    return plan


def update_plan(plan: SamplingPlan | int, *, actor: Any, **values: Any) -> SamplingPlan:
    require_permission(actor, [CHANGE_PLAN], _("You are not allowed to manage sampling plans."))
    clean = _plan_values(actor, values)
    with transaction.atomic():
        locked = lock_in_scope(
            SamplingPlan, plan, actor, related=("org_unit",), missing=_("No such sampling plan.")
        )
        before = audit.snapshot(locked, [*PLAN_FIELDS, "is_active"])
        for name, value in clean.items():
            setattr(locked, name, value)
        if "is_active" in values:
            locked.is_active = bool(values["is_active"])
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, [*PLAN_FIELDS, "is_active"]))
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return copy_saved_state(plan, locked)


def delete_plan(plan: SamplingPlan | int, *, actor: Any) -> None:
    require_permission(actor, [DELETE_PLAN], _("You are not allowed to manage sampling plans."))
    with transaction.atomic():
        locked = lock_in_scope(
            SamplingPlan, plan, actor, related=("org_unit",), missing=_("No such sampling plan.")
        )
        if locked.draws.exists():
            raise ConflictError(
                _("This plan has drawn samples; deactivate it instead."), code="has_draws"
            )
        audit.record(
            AuditAction.DELETE, locked, actor=actor, before=audit.snapshot(locked, PLAN_FIELDS)
        )
        locked.delete()


# --- the draw -----------------------------------------------------------------------------


def review_version() -> ChecklistVersion:
    version = (
        ChecklistVersion.objects.filter(
            template__kind=ChecklistKind.TICKET_REVIEW,
            template__is_active=True,
            status=VersionStatus.PUBLISHED,
        )
        .select_related("template")
        .order_by("template__code", "-number")
        .first()
    )
    if version is None:
        raise DomainError(_("There is no published ticket review checklist."), code="no_checklist")
    return version


def reviewers_for(unit: Any) -> list[User]:
    """Active quality inspectors (the role) who may review tickets of `unit`, by username."""
    candidates = (
        User.objects.filter(groups__name=INSPECTOR_ROLE, is_active=True)
        .exclude(is_superuser=True)
        .select_related("org_unit")
        .distinct()
        .order_by("username")
    )
    return [
        user
        for user in candidates
        if user.has_perm(DO_REVIEW) and unit_in_inspection_scope(user, unit)
    ]


def draw_sample(
    plan: SamplingPlan | int, month: date, *, actor: Any, seed: int | None = None
) -> SampleDraw:
    """Draw the month's sample of a plan (once per plan and month) and queue a review for
    each ticket, assigned round-robin to the inspectors who may review the plan's unit."""
    require_permission(actor, [DRAW], _("You are not allowed to draw ticket samples."))
    if not isinstance(month, date):
        raise DomainError(_("Enter a month."), field="month")
    first, _last = month_bounds(month)
    if first > timezone.localdate():
        raise DomainError(_("This month has not begun."), field="month")
    with transaction.atomic():
        locked = lock_in_scope(
            SamplingPlan, plan, actor, related=("org_unit",), missing=_("No such sampling plan.")
        )
        if not locked.is_active:
            raise ConflictError(_("The plan is not active."), code="inactive")
        if SampleDraw.objects.filter(plan=locked, month=first).exists():
            raise ConflictError(
                _("This plan has already been drawn for %(month)s.")
                % {"month": first.strftime("%Y-%m")},
                code="already_drawn",
            )
        used_seed = locked.seed if seed is None else int(seed)
        version = review_version()
        sample = sample_tickets(locked, first, used_seed)
        already = set(TicketReview.objects.filter(plan=locked).values_list("ticket_id", flat=True))
        draw = SampleDraw.objects.create(
            plan=locked,
            month=first,
            seed=used_seed,
            closed_tickets=sample.closed,
            created_by=actor,
        )
        queue: list[tuple[int, str]] = [
            (pk, ReviewReason.SAMPLED) for pk in sample.sampled_ids if pk not in already
        ]
        queue += [
            (pk, ReviewReason.LOW_SATISFACTION)
            for pk in sample.low_satisfaction
            if pk not in already
        ]
        from sqms.servicedesk.models import Ticket

        units = dict(
            Ticket.objects.filter(pk__in=[pk for pk, _r in queue]).values_list("pk", "org_unit_id")
        )
        reviewers = reviewers_for(locked.org_unit)
        reviews = [
            TicketReview(
                ticket_id=pk,
                org_unit_id=units[pk],
                plan=locked,
                draw=draw,
                reason=reason,
                agent_id=sample.agent_of.get(pk),
                reviewer=reviewers[i % len(reviewers)] if reviewers else None,
                version=version,
                created_by=actor,
            )
            for i, (pk, reason) in enumerate(queue)
        ]
        TicketReview.objects.bulk_create(reviews)
        draw.sampled = sum(1 for _pk, reason in queue if reason == ReviewReason.SAMPLED)
        draw.low_satisfaction = len(queue) - draw.sampled
        draw.save(update_fields=["sampled", "low_satisfaction", "updated_at"])
        audit.record(
            AuditAction.CREATE,
            draw,
            actor=actor,
            org_unit=locked.org_unit,
            after={
                "plan": locked.pk,
                "month": first.isoformat(),
                "seed": used_seed,
                "closed_tickets": sample.closed,
                "sampled": draw.sampled,
                "low_satisfaction": draw.low_satisfaction,
            },
        )
    return draw


# --- reviews ------------------------------------------------------------------------------


def queue_review(*, actor: Any, ticket: Any, reviewer: User | None = None) -> TicketReview:
    """Queue one handled ticket for review by hand."""
    require_permission(actor, [ADD_REVIEW], _("You are not allowed to queue ticket reviews."))
    from sqms.servicedesk.models import Ticket

    if not isinstance(ticket, Ticket) or not unit_in_inspection_scope(actor, ticket.org_unit):
        raise DomainError(_("Choose a ticket within your scope."), field="ticket")
    if ticket.resolved_at is None and ticket.closed_at is None:
        raise DomainError(_("Only a handled ticket can be reviewed."), field="ticket")
    if reviewer is not None and reviewer not in reviewers_for(ticket.org_unit):
        raise DomainError(_("Choose an inspector who may review this ticket."), field="reviewer")
    with transaction.atomic():
        if TicketReview.objects.filter(ticket=ticket, status=ReviewStatus.QUEUED).exists():
            raise DomainError(_("This ticket is already queued for review."), field="ticket")
        review = TicketReview.objects.create(
            ticket=ticket,
            org_unit=ticket.org_unit,
            reason=ReviewReason.MANUAL,
            agent_id=ticket.resolved_by_id or ticket.assignee_id or ticket.first_contact_owner_id,
            reviewer=reviewer,
            version=review_version(),
            created_by=actor,
        )
        audit.record(
            AuditAction.CREATE, review, actor=actor, after=audit.snapshot(review, REVIEW_AUDIT)
        )
    return review


def submit_review(
    review: TicketReview | int,
    *,
    actor: Any,
    scores: Mapping[int, ScoreInput],
    comment: str = "",
    service_error: bool = False,
    service_error_reason: str = "",
) -> TicketReview:
    """Score a queued ticket against its checklist; a flagged service error (with its reason)
    is written to the ticket for the error-rate indicator."""
    require_permission(actor, [DO_REVIEW], _("You are not allowed to review tickets."))
    service_error_reason = str(service_error_reason or "").strip()
    if service_error and not service_error_reason:
        raise DomainError(
            _("Give the reason for the service error."),
            field="service_error_reason",
            code="required",
        )
    with transaction.atomic():
        locked = lock_in_scope(
            TicketReview,
            review,
            actor,
            related=("ticket", "version"),
            missing=_("No such ticket review."),
        )
        if locked.status != ReviewStatus.QUEUED:
            raise ConflictError(_("This review is already done."), code="done")
        if locked.reviewer_id not in (None, actor.pk) and not actor.has_perm(DRAW):
            raise DomainError(_("This review is assigned to another inspector."), code="assigned")
        if locked.agent_id == actor.pk:
            raise DomainError(_("No one reviews their own tickets."), code="own_ticket")
        save_scores(locked, ReviewScore, "review", locked.version, scores)
        result = result_of(locked.version, locked.scores.all())
        if result.missing:
            raise DomainError(
                _("Score every item (or mark it N/A) before submitting; %(n)d left.")
                % {"n": result.missing},
                field="scores",
                code="incomplete",
            )
        before = audit.snapshot(locked, REVIEW_AUDIT)
        locked.reviewer = locked.reviewer or actor
        locked.status = ReviewStatus.DONE
        locked.score, locked.passed = result.score, result.passed
        locked.comment = str(comment or "").strip()
        locked.service_error = bool(service_error)
        locked.service_error_reason = service_error_reason if service_error else ""
        locked.reviewed_at = timezone.now()
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, REVIEW_AUDIT))
        audit.record(AuditAction.TRANSITION, locked, actor=actor, before=old, after=new)
        flag_service_error_on_ticket(locked, actor=actor)
    return copy_saved_state(review, locked)


def flag_service_error_on_ticket(review: TicketReview, *, actor: Any) -> None:
    """Write the review's verdict to the ticket's timeline, and a flagged service error to
    the ticket itself (服务差错, counted by the error-rate indicator).

    The service desk offers no service to set the flag outside resolution, so this locks the
    ticket and writes it here, with the ticket's own REVIEW timeline line and audit event.
    """
    from sqms.servicedesk import signals
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import Ticket, TicketEvent

    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=review.ticket_id)
    data = {
        "review_id": review.pk,
        "score": str(review.score) if review.score is not None else None,
        "passed": review.passed,
        "service_error": review.service_error,
    }
    if review.service_error and not ticket.service_error:
        before = {
            "service_error": ticket.service_error,
            "service_error_reason": ticket.service_error_reason,
        }
        ticket.service_error = True
        ticket.service_error_reason = review.service_error_reason[:2000]
        ticket.save(update_fields=["service_error", "service_error_reason", "updated_at"])
        audit.record(
            AuditAction.UPDATE,
            ticket,
            actor=actor,
            before=before,
            after={
                "service_error": True,
                "service_error_reason": ticket.service_error_reason,
                "source": f"inspections.ticketreview:{review.pk}",
            },
        )
    if review.service_error:
        message = _("Ticket review: score %(score)s%%, service error: %(reason)s") % {
            "score": review.score,
            "reason": review.service_error_reason,
        }
    else:
        message = _("Ticket review: score %(score)s%%.") % {"score": review.score}
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        event_type=EventType.REVIEW,
        from_status=ticket.status,
        to_status=ticket.status,
        message=message,
        data=data,
    )
    signals.announce([signals.line_of(event)])


def assign_review(review: TicketReview | int, *, actor: Any, reviewer: User) -> TicketReview:
    require_permission(actor, [DRAW], _("You are not allowed to assign ticket reviews."))
    with transaction.atomic():
        locked = lock_in_scope(
            TicketReview, review, actor, related=("org_unit",), missing=_("No such ticket review.")
        )
        if locked.status != ReviewStatus.QUEUED:
            raise ConflictError(_("This review is already done."), code="done")
        if reviewer not in reviewers_for(locked.org_unit):
            raise DomainError(
                _("Choose an inspector who may review this ticket."), field="reviewer"
            )
        before = {"reviewer": locked.reviewer_id}
        locked.reviewer = reviewer
        locked.save(update_fields=["reviewer", "updated_at"])
        audit.record(
            AuditAction.UPDATE, locked, actor=actor, before=before, after={"reviewer": reviewer.pk}
        )
    return locked
