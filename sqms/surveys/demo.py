"""Demo survey data for `sqms demo`: the rule, ~300 answered post-service surveys over the
demo's closed tickets (mostly 4–5, some 1–2 with Chinese comments), pending invitations, a
quarterly campaign and two open follow-ups. Bulk inserts; deterministic (seeded)."""

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms.core.models import OrgUnit
from sqms.surveys import links, services
from sqms.surveys.choices import InvitationStatus, ResponseMode
from sqms.surveys.models import (
    Answer,
    Campaign,
    Invitation,
    InvitationRule,
    SurveyResponse,
    SurveyTemplate,
)
from sqms.surveys.seed import POST_SERVICE, seed_templates

ANSWERED = 300
PENDING = 40
SEED = 6

GOOD_COMMENTS = [
    "营业员态度很好，耐心解释套餐内容。",
    "办理很快，不到十分钟就好了。",
    "工程师上门准时，宽带问题当天解决。",
    "客服回电及时，问题解决得很彻底。",
    "",
    "",
    "",
]
BAD_COMMENTS = [
    "排队等了四十多分钟，窗口只开了两个。",
    "投诉了三次才有人处理，回复很敷衍。",
    "宽带故障报修后两天没人联系。",
    "营业员推销其他业务，不耐烦。",
    "话费多扣了，解释不清楚。",
]


def _overall(rng: random.Random) -> int:
    return rng.choices([5, 4, 3, 2, 1], weights=[52, 30, 9, 6, 3])[0]


def _nps_for(rng: random.Random, overall: int) -> int:
    base = {5: (8, 10), 4: (7, 9), 3: (5, 8), 2: (2, 6), 1: (0, 4)}[overall]
    return rng.randint(*base)


def closed_at(ticket: Any, default: datetime.datetime) -> datetime.datetime:
    return ticket.closed_at or default


def populate(units: dict[str, OrgUnit], users_by_role: dict[str, Any]) -> None:
    from sqms.servicedesk.models import Ticket

    seed_templates()
    if Invitation.objects.exists():
        return
    template = SurveyTemplate.objects.get(code=POST_SERVICE)
    version = template.current_version()
    root = min(units.values(), key=lambda u: u.depth) if units else OrgUnit.objects.first()
    if version is None or root is None:
        return
    manager = users_by_role.get("quality_manager")
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    with transaction.atomic():
        rule = InvitationRule.objects.create(
            name="归档工单服务后调查",
            org_unit=root,
            template=template,
            sampling_rate=60,
            quiet_days=30,
            expiry_days=7,
            created_by=manager,
        )
        today = timezone.localdate()
        quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        Campaign.objects.create(
            name=f"{today.year}年第{(today.month - 1) // 3 + 1}季度金卡客户满意度调查",
            org_unit=root,
            version=version,
            segment="gold",
            period_start=quarter_start,
            period_end=quarter_start + datetime.timedelta(days=89),
            created_by=manager,
        )
        now = timezone.now()
        tickets = list(
            Ticket.objects.filter(status="closed", closed_at__isnull=False)
            .order_by("closed_at", "id")
            .only(
                "id",
                "number",
                "org_unit_id",
                "channel",
                "kind",
                "category_id",
                "customer_id",
                "closed_at",
                "resolved_by_id",
                "first_contact_owner_id",
            )
        )
        tickets = [t for t in tickets if services.sampled(t.number, rule.sampling_rate)]
        rng.shuffle(tickets)
        answered = sorted(tickets[:ANSWERED], key=lambda t: closed_at(t, now))
        pending = tickets[ANSWERED : ANSWERED + PENDING]
        questions = {q.code: q for q in version.questions.all()}
        invitations = []
        for ticket in answered + pending:
            nonce = links.new_nonce()
            is_answered = ticket in answered
            invitations.append(
                Invitation(
                    org_unit_id=ticket.org_unit_id,
                    version=version,
                    rule=rule,
                    ticket_id=ticket.pk,
                    customer_id=ticket.customer_id,
                    staff_id=ticket.resolved_by_id or ticket.first_contact_owner_id,
                    channel=ticket.channel,
                    kind=ticket.kind,
                    nonce=nonce,
                    token_hash=links.token_hash(links.make_token(nonce)),
                    expires_at=max(closed_at(ticket, now), now) + datetime.timedelta(days=7),
                    status=InvitationStatus.ANSWERED if is_answered else InvitationStatus.PENDING,
                )
            )
        Invitation.objects.bulk_create(invitations, batch_size=500)
        by_ticket = {i.ticket_id: i for i in Invitation.objects.filter(rule=rule)}
        responses = []
        for ticket in answered:
            overall = _overall(rng)
            completed = min(
                closed_at(ticket, now) + datetime.timedelta(hours=rng.randint(1, 48)), now
            )
            comment = rng.choice(BAD_COMMENTS if overall <= 2 else GOOD_COMMENTS)
            responses.append(
                SurveyResponse(
                    org_unit_id=ticket.org_unit_id,
                    version=version,
                    invitation=by_ticket[ticket.pk],
                    ticket_id=ticket.pk,
                    customer_id=ticket.customer_id,
                    staff_id=ticket.resolved_by_id or ticket.first_contact_owner_id,
                    channel=ticket.channel,
                    kind=ticket.kind,
                    category_id=ticket.category_id,
                    mode=rng.choices(
                        [ResponseMode.LINK, ResponseMode.KIOSK, ResponseMode.PHONE], [70, 20, 10]
                    )[0],
                    completed_at=completed,
                    overall=overall,
                    nps=_nps_for(rng, overall),
                    ces=max(1, min(7, overall + rng.randint(0, 2))),
                    comment=comment,
                )
            )
        SurveyResponse.objects.bulk_create(responses, batch_size=500)
        Invitation.objects.filter(rule=rule, status=InvitationStatus.ANSWERED).update(
            answered_at=now
        )
        answers = []
        for response in SurveyResponse.objects.filter(version=version).order_by("id"):
            overall = response.overall or 3
            values: dict[str, Any] = {"overall": overall, "nps": response.nps, "ces": response.ces}
            for code in ("attitude", "efficiency", "effectiveness", "after_sales"):
                values[code] = max(1, min(5, overall + rng.choice([-1, 0, 0, 0, 1])))
            for code, value in values.items():
                answers.append(Answer(response=response, question=questions[code], number=value))
            if response.comment:
                answers.append(
                    Answer(response=response, question=questions["comment"], text=response.comment)
                )
        Answer.objects.bulk_create(answers, batch_size=1000)
        # Two recent low scores wait for a call-back.
        for response in SurveyResponse.objects.filter(overall__lte=2).order_by("-completed_at")[:2]:
            services.open_follow_up(response)
    if answered:
        from sqms.quality import rollups

        zone = timezone.get_current_timezone()
        first = closed_at(answered[0], timezone.now()).astimezone(zone).date()
        rollups.recompute_days(first, timezone.localdate())
