"""Every state change of surveys: versions, invitations, campaigns, answering (follow-ups
of low scores are in sqms.surveys.followups, re-exported here).

Each function runs in a transaction, takes the acting user as `actor` (None for the public
answer page: the audit log then records no user), checks the domain's rules (DomainError) and
schedules side effects (sending, notifications, ticket timeline announcements) on commit.
"""

import datetime
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit
from sqms.core.service_helpers import require_permission
from sqms.surveys import links
from sqms.surveys.choices import (
    SCALES,
    CampaignStatus,
    Dimension,
    InvitationStatus,
    QuestionType,
    ResponseMode,
    VersionStatus,
)

# Re-exported: callers reach the follow-up services through this module too.
from sqms.surveys.followups import CHANGE_FOLLOW_UP as CHANGE_FOLLOW_UP
from sqms.surveys.followups import OPEN_ACTION as OPEN_ACTION
from sqms.surveys.followups import complete_follow_up as complete_follow_up
from sqms.surveys.followups import open_follow_up
from sqms.surveys.followups import open_improvement as open_improvement
from sqms.surveys.models import (
    Answer,
    Campaign,
    Invitation,
    InvitationRule,
    Question,
    SurveyResponse,
    SurveyTemplate,
    SurveyVersion,
)
from sqms.surveys.sanitise import TEXT_LIMIT, clean_text

logger = logging.getLogger(__name__)

MANAGE = "surveys.change_surveytemplate"
VIEW_RESULTS = "surveys.view_surveyresponse"
ENTER = "surveys.enter_surveyresponse"
DEFAULT_LOW_SCORE = 2
DEFAULT_EXPIRY_DAYS = 7


# --- templates and versions ---


def publish_version(version: SurveyVersion, *, actor: Any) -> SurveyVersion:
    """Freeze a draft: its questions can no longer change; new invitations use it."""
    require_permission(actor, [MANAGE], _("You may not manage survey templates."))
    with transaction.atomic():
        version = SurveyVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise ConflictError(_("Only a draft version can be published."), field="status")
        if not version.questions.exists():
            raise DomainError(_("A version needs at least one question."), field="questions")
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at", "updated_at"])
        audit.record(
            AuditAction.TRANSITION,
            version,
            actor=actor,
            after={"status": version.status},
            org_unit=version.template.org_unit,
        )
    return version


def new_draft(template: SurveyTemplate, *, actor: Any) -> SurveyVersion:
    """The template's draft version: the existing one, or a copy of the newest version (whose
    answers stay tied to it, untouched)."""
    require_permission(actor, [MANAGE], _("You may not manage survey templates."))
    with transaction.atomic():
        template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
        draft = template.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        latest = template.versions.order_by("-number").first()
        number = (latest.number if latest else 0) + 1
        draft = SurveyVersion.objects.create(
            template=template,
            number=number,
            created_by=actor,
            intro_zh=latest.intro_zh if latest else "",
            intro_en=latest.intro_en if latest else "",
        )
        if latest is not None:
            copies = []
            for question in latest.questions.all():
                question.pk = None
                question.version = draft
                copies.append(question)
            Question.objects.bulk_create(copies)
        audit.record(AuditAction.CREATE, draft, actor=actor, org_unit=template.org_unit)
    return draft


def check_editable(version: SurveyVersion) -> None:
    if version.is_frozen:
        raise ConflictError(
            _("This version is published; its questions cannot change. Create a new draft."),
            field="version",
        )


def check_question(question: Question) -> None:
    """Rules of a question's content (called by forms, serializers and services)."""
    if question.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = question.options or []
        values = [str(o.get("value", "")) for o in options if isinstance(o, dict)]
        if len(values) < 2 or len(values) != len(options) or not all(values):
            raise DomainError(
                _('A choice question needs at least two options, each with a "value".'),
                field="options",
            )
        if len(set(values)) != len(values):
            raise DomainError(_("Option values must differ."), field="options")
    if question.pair and question.qtype not in SCALES:
        raise DomainError(_("A SERVQUAL pair must be a numeric question."), field="pair")


def save_question(question: Question, *, actor: Any) -> Question:
    """Add or change a question of a draft version."""
    require_permission(actor, [MANAGE], _("You may not manage survey templates."))
    with transaction.atomic():
        version = SurveyVersion.objects.select_for_update().get(pk=question.version_id)
        check_editable(version)
        check_question(question)
        creating = question.pk is None
        if creating and not question.position:
            top = version.questions.aggregate(top=Max("position"))["top"]
            question.position = (top or 0) + 1
        try:
            with transaction.atomic():
                question.save()
        except IntegrityError as clash:
            raise DomainError(
                _("This version already has a question with this code."), field="code"
            ) from clash
        audit.record(
            AuditAction.CREATE if creating else AuditAction.UPDATE,
            question,
            actor=actor,
            after=audit.snapshot(question),
            object_repr=question.code,
        )
    return question


def delete_question(question: Question, *, actor: Any) -> None:
    require_permission(actor, [MANAGE], _("You may not manage survey templates."))
    with transaction.atomic():
        version = SurveyVersion.objects.select_for_update().get(pk=question.version_id)
        check_editable(version)
        audit.record(AuditAction.DELETE, question, actor=actor, before=audit.snapshot(question))
        question.delete()


# --- invitations ---


def sampled(key: str, rate: int) -> bool:
    """Whether a ticket is in the sample: a hash of its number, so every run decides alike."""
    if rate >= 100:
        return True
    if rate <= 0:
        return False
    bucket = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100
    return bucket < rate


def rule_for(ticket: Any) -> InvitationRule | None:
    """The active rule of the nearest unit up the ticket's tree that matches its kind and
    channel."""
    paths = [
        ticket.org_unit.path[: OrgUnit.steplen * i] for i in range(1, ticket.org_unit.depth + 1)
    ]
    rules = (
        InvitationRule.objects.filter(active=True, org_unit__path__in=paths)
        .select_related("org_unit", "template")
        .order_by("-org_unit__depth", "id")
    )
    for rule in rules:
        if rule.matches(ticket.kind, ticket.channel):
            return rule
    return None


def quiet(customer_id: int | None, days: int, now: datetime.datetime) -> bool:
    """Whether the customer was invited within the last `days` days."""
    if customer_id is None or days <= 0:
        return False
    return Invitation.objects.filter(
        customer_id=customer_id, created_at__gt=now - datetime.timedelta(days=days)
    ).exists()


def _language_of(customer: Any) -> str:
    return str(getattr(customer, "language", "") or "zh-hans")


def _new_invitation(**fields: Any) -> Invitation:
    nonce = links.new_nonce()
    return Invitation(nonce=nonce, token_hash=links.token_hash(links.make_token(nonce)), **fields)


def invite_for_ticket(ticket: Any, *, now: datetime.datetime | None = None) -> Invitation | None:
    """The post-service invitation of a closed ticket, if a rule selects it (idempotent: a
    ticket closed again after a reopening is not asked twice under one rule)."""
    now = now or timezone.now()
    rule = rule_for(ticket)
    if rule is None:
        return None
    version = rule.template.current_version()
    if version is None or not sampled(ticket.number, rule.sampling_rate):
        return None
    with transaction.atomic():
        if Invitation.objects.filter(ticket=ticket, rule=rule).exists():
            return None
        if quiet(ticket.customer_id, rule.quiet_days, now):
            return None
        invitation = _new_invitation(
            org_unit_id=ticket.org_unit_id,
            version=version,
            rule=rule,
            ticket=ticket,
            customer_id=ticket.customer_id,
            staff_id=ticket.resolved_by_id or ticket.first_contact_owner_id,
            channel=ticket.channel,
            kind=ticket.kind,
            language=_language_of(ticket.customer),
            expires_at=now + datetime.timedelta(days=rule.expiry_days),
        )
        invitation.created_at = now
        invitation.save()
        audit.record(AuditAction.CREATE, invitation, actor=None)
        transaction.on_commit(lambda: send_invitation(invitation.pk))
    return invitation


def send_invitation(invitation_id: int) -> bool:
    """Queue the invitation through the notifications app when it is installed; without it
    (or without an address) the link waits on the ticket page for the agent to hand over."""
    try:
        from sqms.notifications.outbound import queue_customer_message  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return False
    invitation = (
        Invitation.objects.select_related("customer", "ticket").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return False
    try:
        message = queue_customer_message(
            event="survey_invitation",
            customer=invitation.customer,
            ticket=invitation.ticket,
            context={
                "link": links.invitation_url(invitation),
                "expires_at": invitation.expires_at,
                "survey": invitation.version.template.display_name,
            },
        )
    except Exception:
        logger.exception("survey invitation %s could not be queued", invitation_id)
        return False
    if message is None:
        return False
    Invitation.objects.filter(pk=invitation_id).update(
        sent_at=timezone.now(), sent_via=str(getattr(message, "channel", "") or "")[:20]
    )
    return True


def on_ticket_events(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """Receiver of servicedesk.signals.ticket_events: invite when a ticket closes."""
    closed = {line.ticket_id for line in events if line.to_status == "closed"}
    if not closed:
        return
    from sqms.servicedesk.models import Ticket

    tickets = Ticket.objects.filter(pk__in=closed).select_related("org_unit", "customer")
    for ticket in tickets:
        try:
            invite_for_ticket(ticket)
        except Exception:
            logger.exception("survey invitation for ticket %s failed", ticket.pk)


def expire_invitations(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return int(
        Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__lte=now).update(
            status=InvitationStatus.EXPIRED, updated_at=now
        )
    )


# --- campaigns ---


def generate_campaign(
    campaign: Campaign, *, actor: Any, now: datetime.datetime | None = None
) -> int:
    """Invite the campaign's target customers (segment within the unit's subtree), except
    those invited within the quiet period; starts the campaign. Returns invitations made."""
    require_permission(actor, [MANAGE], _("You may not manage survey campaigns."))
    from sqms.customers.models import Customer

    now = now or timezone.now()
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update().select_related("org_unit").get(pk=campaign.pk)
        )
        if campaign.status == CampaignStatus.CLOSED:
            raise ConflictError(_("The campaign is closed."), field="status")
        if campaign.version.status == VersionStatus.DRAFT:
            raise DomainError(_("A campaign needs a published version."), field="version")
        customers = Customer.objects.filter(
            org_unit__path__startswith=campaign.org_unit.path, anonymised_at__isnull=True
        )
        if campaign.segment:
            customers = customers.filter(segment=campaign.segment)
        recent = Invitation.objects.filter(
            created_at__gt=now - datetime.timedelta(days=campaign.quiet_days),
            customer_id__isnull=False,
        ).values("customer_id")
        already = Invitation.objects.filter(campaign=campaign).values("customer_id")
        targets = list(
            customers.exclude(pk__in=recent)
            .exclude(pk__in=already)
            .values_list("pk", "org_unit_id", "language")
        )
        end = datetime.datetime.combine(
            campaign.period_end, datetime.time.max, tzinfo=timezone.get_current_timezone()
        )
        rows = [
            _new_invitation(
                org_unit_id=unit_id,
                version=campaign.version,
                campaign=campaign,
                customer_id=pk,
                language=language or "zh-hans",
                expires_at=max(end, now + datetime.timedelta(days=1)),
                created_by=actor,
            )
            for pk, unit_id, language in targets
        ]
        Invitation.objects.bulk_create(rows, batch_size=500)
        campaign.invitations_made = Invitation.objects.filter(campaign=campaign).count()
        campaign.status = CampaignStatus.RUNNING
        campaign.save(update_fields=["invitations_made", "status", "updated_at"])
        audit.record(
            AuditAction.TRANSITION,
            campaign,
            actor=actor,
            after={"status": campaign.status, "invitations_made": campaign.invitations_made},
        )
        created = [row.nonce for row in rows]

        def send_all() -> None:
            for pk in Invitation.objects.filter(nonce__in=created).values_list("pk", flat=True):
                send_invitation(pk)

        transaction.on_commit(send_all)
    return len(rows)


def close_campaign(campaign: Campaign, *, actor: Any) -> Campaign:
    require_permission(actor, [MANAGE], _("You may not manage survey campaigns."))
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == CampaignStatus.CLOSED:
            raise ConflictError(_("The campaign is closed."), field="status")
        campaign.status = CampaignStatus.CLOSED
        campaign.save(update_fields=["status", "updated_at"])
        Invitation.objects.filter(campaign=campaign, status=InvitationStatus.PENDING).update(
            status=InvitationStatus.EXPIRED
        )
        audit.record(AuditAction.TRANSITION, campaign, actor=actor, after={"status": "closed"})
    return campaign


# --- answering ---


def parse_answer(question: Question, raw: Any) -> dict[str, Any] | None:
    """The stored form of a raw answer ({number|text|choices}); None when left empty.
    Raises DomainError naming the question's code for a value outside the question."""
    if question.qtype in SCALES:
        if raw in (None, "", []):
            return None
        try:
            number = int(str(raw[-1] if isinstance(raw, list) else raw))
        except ValueError as bad:
            raise DomainError(_("Choose a value on the scale."), field=question.code) from bad
        low, high = SCALES[question.qtype]
        if not low <= number <= high:
            raise DomainError(
                _("Choose a value from %(low)s to %(high)s.") % {"low": low, "high": high},
                field=question.code,
            )
        return {"number": number}
    if question.qtype == QuestionType.TEXT:
        text = clean_text(raw[-1] if isinstance(raw, list) else raw)
        return {"text": text} if text else None
    values = raw if isinstance(raw, list) else ([raw] if raw not in (None, "") else [])
    values = [str(v) for v in values if str(v)]
    if not values:
        return None
    allowed = {str(o.get("value")) for o in question.options or []}
    if any(v not in allowed for v in values):
        raise DomainError(_("Choose one of the options offered."), field=question.code)
    if question.qtype == QuestionType.SINGLE and len(values) > 1:
        raise DomainError(_("Choose one option."), field=question.code)
    return {"choices": sorted(set(values))}


def _denormalise(response: SurveyResponse) -> None:
    """Copy overall, NPS, CES and the comment from the answers to the response."""
    response.overall = response.nps = response.ces = None
    response.comment = ""
    comments = []
    for answer in response.answers.select_related("question").all():
        dimension = answer.question.dimension
        if dimension == Dimension.OVERALL and answer.question.qtype == QuestionType.RATING:
            response.overall = answer.number
        elif answer.question.qtype == QuestionType.NPS:
            response.nps = answer.number
        elif answer.question.qtype == QuestionType.CES:
            response.ces = answer.number
        elif answer.question.qtype == QuestionType.TEXT and answer.text:
            comments.append(answer.text)
    response.comment = "\n".join(comments)[: TEXT_LIMIT * 2]


def start_response(
    *,
    version: SurveyVersion,
    invitation: Invitation | None = None,
    ticket: Any = None,
    mode: str = ResponseMode.LINK,
    entered_by: Any = None,
    org_unit: OrgUnit | None = None,
    language: str = "zh-hans",
) -> SurveyResponse:
    """A new (not yet complete) response with the slicing facts copied from the ticket."""
    ticket = ticket if ticket is not None else (invitation.ticket if invitation else None)
    unit_id = (
        invitation.org_unit_id
        if invitation
        else (ticket.org_unit_id if ticket is not None else (org_unit.pk if org_unit else None))
    )
    if unit_id is None:
        raise DomainError(_("A response needs an org unit."), field="org_unit")
    staff_id = invitation.staff_id if invitation else None
    if ticket is not None and staff_id is None:
        staff_id = ticket.resolved_by_id or ticket.first_contact_owner_id
    if staff_id is None and mode == ResponseMode.KIOSK and entered_by is not None:
        staff_id = entered_by.pk  # a walk-in rates the agent who handed over the tablet
    response = SurveyResponse.objects.create(
        org_unit_id=unit_id,
        version=version,
        invitation=invitation,
        campaign_id=invitation.campaign_id if invitation else None,
        ticket=ticket,
        customer_id=(
            invitation.customer_id if invitation else (ticket.customer_id if ticket else None)
        ),
        staff_id=staff_id,
        channel=(
            ticket.channel if ticket is not None else (invitation.channel if invitation else "")
        )
        or ("counter" if mode == ResponseMode.KIOSK else ""),
        kind=(ticket.kind if ticket is not None else (invitation.kind if invitation else "")),
        category_id=ticket.category_id if ticket is not None else None,
        mode=mode,
        entered_by=entered_by if mode != ResponseMode.LINK else None,
        language=language,
        created_by=entered_by,
    )
    return response


def save_answers(
    response: SurveyResponse, values: Mapping[str, Any], *, partial: bool = True
) -> dict[str, str]:
    """Store the answers named in `values` (question code → raw value); return the errors by
    question code (the valid answers are kept: partial answers are saved)."""
    questions = {q.code: q for q in response.version.questions.all()}
    errors: dict[str, str] = {}
    with transaction.atomic():
        current = {a.question_id: a for a in response.answers.all()}
        for code, raw in values.items():
            question = questions.get(code)
            if question is None:
                continue
            try:
                parsed = parse_answer(question, raw)
            except DomainError as error:
                errors[code] = error.message
                continue
            existing = current.get(question.pk)
            if parsed is None:
                if existing is not None and not partial:
                    existing.delete()
                continue
            fields = {"number": None, "text": "", "choices": [], **parsed}
            if existing is None:
                Answer.objects.create(response=response, question=question, **fields)
            else:
                for name, value in fields.items():
                    setattr(existing, name, value)
                existing.saved_at = timezone.now()
                existing.save()
        _denormalise(response)
        response.save(update_fields=["overall", "nps", "ces", "comment", "updated_at"])
    return errors


def submit(
    response: SurveyResponse, values: Mapping[str, Any], *, actor: Any = None
) -> SurveyResponse:
    """Save the last answers and complete the response (single use: an answered invitation
    takes no second submission). Required questions must be answered."""
    with transaction.atomic():
        response = (
            SurveyResponse.objects.select_for_update(of=("self",))
            .select_related("version", "invitation", "ticket", "org_unit")
            .get(pk=response.pk)
        )
        if response.completed_at is not None:
            raise ConflictError(_("This survey has already been answered."), field="response")
        invitation = response.invitation
        if invitation is not None:
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            if invitation.status == InvitationStatus.ANSWERED:
                raise ConflictError(_("This survey has already been answered."), field="response")
        errors = save_answers(response, values, partial=False)
        if errors:
            raise SurveyErrors(errors)
        answered = set(response.answers.values_list("question__code", flat=True))
        missing = [
            q.code
            for q in response.version.questions.all()
            if q.required and q.code not in answered
        ]
        if missing:
            raise SurveyErrors({code: _("Please answer this question.") for code in missing})
        now = timezone.now()
        response.completed_at = now
        response.save(update_fields=["completed_at", "updated_at"])
        if invitation is not None:
            invitation.status = InvitationStatus.ANSWERED
            invitation.answered_at = now
            invitation.save(update_fields=["status", "answered_at", "updated_at"])
        audit.record(
            AuditAction.CREATE,
            response,
            actor=actor,
            after={
                "mode": response.mode,
                "overall": response.overall,
                "nps": response.nps,
                "ces": response.ces,
                "ticket": response.ticket_id,
            },
        )
        _after_completion(response, actor=actor)
    return response


class SurveyErrors(DomainError):
    """Several answers were refused: `errors` maps question codes to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Some answers need attention."), field=None, code="answers")
        self.errors = errors


def threshold_for(response: SurveyResponse) -> int:
    rule = response.invitation.rule if response.invitation_id else None  # type: ignore[union-attr]
    if rule is not None:
        return int(rule.low_score_threshold)
    if response.ticket is not None:
        found = rule_for(response.ticket)
        if found is not None:
            return int(found.low_score_threshold)
    return DEFAULT_LOW_SCORE


def _after_completion(response: SurveyResponse, *, actor: Any) -> None:
    """Timeline line on the ticket; a follow-up for a low overall score."""
    low = response.overall is not None and response.overall <= threshold_for(response)
    follow_up = open_follow_up(response) if low else None
    if response.ticket_id is None:
        return
    from sqms.servicedesk import signals
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import TicketEvent

    score = f"{response.overall}/5" if response.overall is not None else "—"
    if follow_up is not None:
        message = _("Survey answered: low score %(score)s — follow-up opened.") % {"score": score}
    else:
        message = _("Survey answered: overall %(score)s.") % {"score": score}
    event = TicketEvent.objects.create(
        ticket_id=response.ticket_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        event_type=EventType.SURVEY,
        message=message,
        data={
            "response": response.pk,
            "overall": response.overall,
            "nps": response.nps,
            "mode": response.mode,
            "follow_up": follow_up.pk if follow_up else None,
        },
    )
    signals.announce([signals.line_of(event)])
