"""Every state change of the staff domain, gathered: views, the API, tasks and the service desk
call these. The rules live in the modules re-exported here."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.scope import unit_in_scope
from sqms.staff.certifying import (
    CertificationCheck,
    add_months,
    certification_check,
    certification_warning,
    grant_certification,
    required_types,
    revoke_certification,
)
from sqms.staff.examining import (
    GRACE_SECONDS,
    draw_paper,
    mark_answer,
    question_statistics,
    save_answers,
    start_attempt,
    submit_attempt,
)
from sqms.staff.models import Competency, CompetencyRating, StaffProfile
from sqms.staff.models.base import ancestor_paths
from sqms.staff.records import create_record, delete_record, require, update_record
from sqms.staff.rewards import change, decide, propose, withdraw
from sqms.staff.scoring import (
    compute_scorecards,
    service_stars,
    ticket_performance_inputs,
    weighted_total,
)
from sqms.staff.training import (
    enrol,
    overdue_training,
    record_attendance,
    submit_feedback,
    training_status,
)

__all__ = [
    "GRACE_SECONDS",
    "CertificationCheck",
    "add_months",
    "certification_check",
    "certification_warning",
    "change",
    "competency_matrix",
    "compute_scorecards",
    "create_record",
    "decide",
    "delete_record",
    "draw_paper",
    "enrol",
    "grant_certification",
    "mark_answer",
    "overdue_training",
    "propose",
    "question_statistics",
    "rate_competency",
    "record_attendance",
    "required_types",
    "revoke_certification",
    "save_answers",
    "save_profile",
    "service_stars",
    "start_attempt",
    "submit_attempt",
    "submit_feedback",
    "ticket_performance_inputs",
    "training_status",
    "update_record",
    "weighted_total",
    "withdraw",
]

PROFILE_FIELDS = (
    "id_number",
    "home_address",
    "emergency_contact",
    "emergency_phone",
    "education",
    "skills",
    "notes",
)


def save_profile(person: Any, *, actor: Any, **values: Any) -> StaffProfile:
    """Create or change a person's archive fields (personal ones masked in the audit log)."""
    profile = StaffProfile.objects.filter(user=person).first()
    require(actor, "staff.change_staffprofile" if profile else "staff.add_staffprofile")
    if not unit_in_scope(actor, person.org_unit):
        raise DomainError(_outside(), field="user")
    values = {k: v for k, v in values.items() if k in PROFILE_FIELDS}
    with transaction.atomic():
        created = profile is None
        profile = profile or StaffProfile(user=person, created_by=actor)
        before = {} if created else audit.snapshot(profile)
        profile.org_unit_id = person.org_unit_id
        for name, value in values.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
        old, new = audit.changes(before, audit.snapshot(profile))
        audit.record(
            AuditAction.CREATE if created else AuditAction.UPDATE,
            profile,
            actor=actor,
            before=None if created else old,
            after=new,
        )
    return profile


def rate_competency(person: Any, *, actor: Any, skill: str, level: int) -> CompetencyRating:
    """Record a person's assessed level (1-5) in a skill; a new assessment replaces the last."""
    require(actor, "staff.change_staffprofile")
    skill = (skill or "").strip()
    if not skill or len(skill) > 80:
        raise DomainError(_("Name the skill (at most 80 characters)."), field="skill")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
        raise DomainError(_("Levels run from 1 to 5."), field="level")
    if person.pk == actor.pk:
        raise DomainError(_("You may not assess yourself."), field="skill")
    with transaction.atomic():
        profile = StaffProfile.objects.filter(user=person).first() or save_profile(
            person, actor=actor
        )
        rating, _created = CompetencyRating.objects.update_or_create(
            profile=profile,
            skill=skill,
            defaults={"level": level, "assessed_on": timezone.localdate(), "assessed_by": actor},
        )
        audit.record(
            AuditAction.UPDATE, profile, actor=actor, after={"skill": skill, "level": level}
        )
    return rating


@dataclass
class CompetencyRow:
    skill: str
    required: int | None
    level: int | None

    @property
    def gap(self) -> bool:
        return self.required is not None and (self.level or 0) < self.required


def competency_matrix(person: Any) -> list[CompetencyRow]:
    """The person's position's required levels beside their assessed ones (and any other
    assessed skills)."""
    unit = person.org_unit
    required: dict[str, int] = {}
    if unit is not None and person.position:
        rows = Competency.objects.filter(
            position=person.position,
            org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen),
        ).select_related("org_unit")
        # The nearest unit's requirement wins over one set higher up.
        for row in sorted(rows, key=lambda r: len(r.org_unit.path)):
            required[row.skill] = row.required_level
    levels = dict(
        CompetencyRating.objects.filter(profile__user=person.pk).values_list("skill", "level")
    )
    skills = list(required) + sorted(s for s in levels if s not in required)
    return [CompetencyRow(s, required.get(s), levels.get(s)) for s in skills]


def _outside() -> str:
    return _("This person is outside your scope.")
