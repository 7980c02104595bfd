"""Every state change of checklists, inspections, their scores, photos and findings (ticket
reviews and sampling are in reviews.py).

Each function runs in one transaction, re-reads and locks its record within the actor's scope
(404 outside it), checks the domain's rules (DomainError 400, ConflictError 409 for a step the
current state does not allow), writes the audit event, and sends notifications after commit.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.notify import notify
from sqms.core.numbering import next_number
from sqms.core.service_helpers import copy_saved_state, lock_in_scope, require_permission
from sqms.inspections import photos, scoring
from sqms.inspections.choices import (
    INSPECTION_KINDS,
    InspectionStatus,
    Scoring,
    Severity,
    VersionStatus,
)
from sqms.inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionPhoto,
    InspectionScore,
)
from sqms.inspections.scope import unit_in_inspection_scope

VIEW = "inspections.view_inspection"
ADD = "inspections.add_inspection"
CHANGE = "inspections.change_inspection"
DELETE = "inspections.delete_inspection"
REVIEW = "inspections.review_inspection"
VIEW_FINDING = "inspections.view_finding"
ADD_FINDING = "inspections.add_finding"
CHANGE_FINDING = "inspections.change_finding"
DELETE_FINDING = "inspections.delete_finding"
MANAGE_CHECKLISTS = "inspections.change_checklisttemplate"
NUMBER_PREFIX = "IN"

INSPECTION_AUDIT = [
    "number",
    "org_unit",
    "version",
    "status",
    "inspector",
    "inspected_staff",
    "planned_for",
    "performed_at",
    "summary",
    "scenario",
    "time_in",
    "waiting_minutes",
    "handling_minutes",
    "score",
    "passed",
    "critical_failed",
    "review_note",
]
EDITABLE_FIELDS = (
    "inspected_staff",
    "planned_for",
    "performed_at",
    "summary",
    "scenario",
    "time_in",
    "waiting_minutes",
    "handling_minutes",
)
FINDING_AUDIT = ["inspection", "item", "text", "severity", "responsible", "due_date"]
FINDING_FIELDS = ("item", "text", "severity", "responsible", "due_date")
ITEM_FIELDS = (
    "section",
    "position",
    "text",
    "text_en",
    "guidance",
    "weight",
    "scoring",
    "max_score",
    "na_allowed",
    "critical",
)


# --- helpers ------------------------------------------------------------------------------


def _require(actor: Any, *permissions: str) -> None:
    require_permission(actor, permissions, _("You are not allowed to do this with inspections."))


def _lock(inspection: Inspection | int, actor: Any) -> Inspection:
    _require(actor, VIEW)
    return lock_in_scope(
        Inspection,
        inspection,
        actor,
        related=("org_unit", "version"),
        missing=_("No such inspection."),
    )


def inspection_url(inspection: Inspection) -> str:
    try:
        return reverse("inspections_inspection_detail", args=[inspection.pk])
    except NoReverseMatch:
        return ""


def _notify_later(user_ids: Iterable[int | None], actor: Any, message: str, obj: Any) -> None:
    ids = {pk for pk in user_ids if pk is not None and pk != getattr(actor, "pk", None)}
    if not ids:
        return
    url = inspection_url(obj) if isinstance(obj, Inspection) else ""
    transaction.on_commit(
        lambda: notify(User.objects.filter(pk__in=ids, is_active=True), message, url=url, obj=obj)
    )


def _check_staff(actor: Any, user: Any, field: str) -> None:
    if user is None:
        return
    if not isinstance(user, User) or not user.is_active:
        raise DomainError(_("Choose an active user."), field=field)
    if not unit_in_inspection_scope(actor, user.org_unit):
        raise DomainError(_("Choose a user of a unit you can see."), field=field)


def _text(value: Any, field: str, *, required: bool = False, limit: int | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field, code="required")
    if limit is not None and len(text) > limit:
        raise DomainError(
            _("At most %(limit)d characters.") % {"limit": limit}, field=field, code="max_length"
        )
    return text


def _minutes(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        minutes = int(value)
    except (TypeError, ValueError) as error:
        raise DomainError(_("Enter whole minutes."), field=field) from error
    if minutes < 0 or minutes > 24 * 60:
        raise DomainError(_("Enter whole minutes between 0 and 1440."), field=field)
    return minutes


# --- checklists ---------------------------------------------------------------------------


def _lock_version(version: ChecklistVersion | int, actor: Any) -> ChecklistVersion:
    require_permission(actor, [MANAGE_CHECKLISTS], _("You are not allowed to manage checklists."))
    pk = version.pk if isinstance(version, ChecklistVersion) else version
    try:
        return (
            ChecklistVersion.objects.select_for_update(of=("self",))
            .select_related("template")
            .get(pk=pk)
        )
    except (ChecklistVersion.DoesNotExist, ValueError, TypeError) as error:
        from django.http import Http404

        raise Http404(_("No such checklist version.")) from error


def _require_draft(version: ChecklistVersion) -> None:
    if not version.is_editable:
        raise ConflictError(
            _("A published version cannot change; make a new version."), code="published"
        )


def new_version(template: ChecklistTemplate, *, actor: Any) -> ChecklistVersion:
    """A draft copy of the template's latest version (one draft at a time)."""
    require_permission(actor, [MANAGE_CHECKLISTS], _("You are not allowed to manage checklists."))
    with transaction.atomic():
        locked = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        versions = ChecklistVersion.objects.filter(template=locked)
        if versions.filter(status=VersionStatus.DRAFT).exists():
            raise ConflictError(
                _("This checklist already has a draft version; edit or publish it."),
                code="draft_exists",
            )
        latest = versions.order_by("-number").first()
        draft = ChecklistVersion.objects.create(
            template=locked,
            number=(latest.number + 1) if latest else 1,
            status=VersionStatus.DRAFT,
            pass_threshold=latest.pass_threshold if latest else Decimal("80"),
            created_by=actor,
        )
        if latest is not None:
            for section in latest.sections.prefetch_related("items"):
                copy = ChecklistSection.objects.create(
                    version=draft,
                    position=section.position,
                    title=section.title,
                    title_en=section.title_en,
                )
                ChecklistItem.objects.bulk_create(
                    ChecklistItem(
                        version=draft,
                        section=copy,
                        **{name: getattr(item, name) for name in ITEM_FIELDS if name != "section"},
                    )
                    for item in section.items.all()
                )
        audit.record(
            AuditAction.CREATE,
            draft,
            actor=actor,
            after={"template": locked.code, "number": draft.number},
        )
    return draft


def update_version(
    version: ChecklistVersion, *, actor: Any, pass_threshold: Any, note: str = ""
) -> ChecklistVersion:
    try:
        threshold = Decimal(str(pass_threshold))
    except (InvalidOperation, ValueError) as error:
        raise DomainError(_("Enter a percentage."), field="pass_threshold") from error
    if not threshold.is_finite() or threshold < 0 or threshold > 100:
        raise DomainError(_("Enter a percentage from 0 to 100."), field="pass_threshold")
    with transaction.atomic():
        locked = _lock_version(version, actor)
        _require_draft(locked)
        before = audit.snapshot(locked, ["pass_threshold", "note"])
        locked.pass_threshold = threshold
        locked.note = str(note or "").strip()
        locked.save(update_fields=["pass_threshold", "note", "updated_at"])
        old, new = audit.changes(before, audit.snapshot(locked, ["pass_threshold", "note"]))
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return copy_saved_state(version, locked)


def _item_values(version: ChecklistVersion, values: Mapping[str, Any]) -> dict[str, Any]:
    clean = {name: values[name] for name in ITEM_FIELDS if name in values}
    section = clean.get("section")
    if section is not None and (
        not isinstance(section, ChecklistSection) or section.version_id != version.pk
    ):
        raise DomainError(_("Choose a section of this version."), field="section")
    if "text" in clean:
        clean["text"] = _text(clean["text"], "text", required=True, limit=300)
    if clean.get("scoring", Scoring.PASS_FAIL) not in Scoring.values:
        raise DomainError(_("Select a valid choice."), field="scoring")
    for name in ("weight", "max_score"):
        if name in clean and not (1 <= int(clean[name] or 0) <= 100):
            raise DomainError(_("Enter a whole number from 1 to 100."), field=name)
    if clean.get("scoring") == Scoring.PASS_FAIL:
        clean["max_score"] = 1
    return clean


def save_item(
    version: ChecklistVersion,
    *,
    actor: Any,
    item: ChecklistItem | None = None,
    **values: Any,
) -> ChecklistItem:
    """Add an item to a draft version (item None) or change one of its items."""
    with transaction.atomic():
        locked = _lock_version(version, actor)
        _require_draft(locked)
        clean = _item_values(locked, values)
        if item is None:
            if clean.get("section") is None:
                raise DomainError(_("Choose a section."), field="section", code="required")
            if not clean.get("text"):
                raise DomainError(_("This field is required."), field="text", code="required")
            item = ChecklistItem.objects.create(version=locked, **clean)
            audit.record(AuditAction.CREATE, item, actor=actor, after=audit.snapshot(item))
            return item
        if item.version_id != locked.pk:
            raise DomainError(_("The item is not part of this version."), field="item")
        before = audit.snapshot(item)
        for name, value in clean.items():
            setattr(item, name, value)
        item.save()
        old, new = audit.changes(before, audit.snapshot(item))
        audit.record(AuditAction.UPDATE, item, actor=actor, before=old, after=new)
        return item


def remove_item(item: ChecklistItem, *, actor: Any) -> None:
    with transaction.atomic():
        locked = _lock_version(item.version_id, actor)
        _require_draft(locked)
        audit.record(AuditAction.DELETE, item, actor=actor, before=audit.snapshot(item))
        item.delete()


def publish_version(version: ChecklistVersion, *, actor: Any) -> ChecklistVersion:
    """Publish a draft; the version published before it is retired (inspections keep theirs)."""
    with transaction.atomic():
        locked = _lock_version(version, actor)
        _require_draft(locked)
        if not locked.items.exists():
            raise DomainError(_("A checklist needs at least one item."), code="empty")
        ChecklistVersion.objects.filter(
            template_id=locked.template_id, status=VersionStatus.PUBLISHED
        ).update(status=VersionStatus.RETIRED)
        locked.status = VersionStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = actor
        locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        audit.record(
            AuditAction.TRANSITION,
            locked,
            actor=actor,
            before={"status": VersionStatus.DRAFT},
            after={"status": VersionStatus.PUBLISHED},
        )
    return copy_saved_state(version, locked)


# --- inspections --------------------------------------------------------------------------


def _check_version(version: Any) -> ChecklistVersion:
    if not isinstance(version, ChecklistVersion) or not version.is_published:
        raise DomainError(_("Choose a published checklist."), field="version")
    if version.template.kind not in INSPECTION_KINDS:
        raise DomainError(
            _("Ticket review checklists are used by ticket reviews, not inspections."),
            field="version",
        )
    return version


def create_inspection(
    *,
    actor: Any,
    version: ChecklistVersion,
    org_unit: OrgUnit,
    inspector: User | None = None,
    **fields: Any,
) -> Inspection:
    """Plan an inspection of a unit against a published checklist version."""
    _require(actor, ADD)
    _check_version(version)
    if not isinstance(org_unit, OrgUnit) or not unit_in_inspection_scope(actor, org_unit):
        raise DomainError(_("Choose an org unit within your scope."), field="org_unit")
    inspector = inspector or actor
    _check_staff(actor, inspector, "inspector")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be set here."), field=sorted(unknown)[0])
    values = _clean_fields(actor, fields)
    with transaction.atomic():
        inspection = Inspection.objects.create(
            number=next_number(NUMBER_PREFIX),
            version=version,
            org_unit=org_unit,
            inspector=inspector,
            created_by=actor,
            **values,
        )
        audit.record(
            AuditAction.CREATE,
            inspection,
            actor=actor,
            after=audit.snapshot(inspection, INSPECTION_AUDIT),
        )
        _notify_later(
            [inspector.pk],
            actor,
            _("You are to carry out inspection %(number)s.") % {"number": inspection.number},
            inspection,
        )
    return inspection


def _clean_fields(actor: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    if "inspected_staff" in values:
        _check_staff(actor, values["inspected_staff"], "inspected_staff")
    for name in ("summary",):
        if name in values:
            values[name] = _text(values[name], name)
    if "scenario" in values:
        values["scenario"] = _text(values["scenario"], "scenario", limit=200)
    for name in ("waiting_minutes", "handling_minutes"):
        if name in values:
            values[name] = _minutes(values[name], name)
    for name in ("performed_at", "time_in"):
        value = values.get(name)
        if value is not None and not isinstance(value, datetime):
            raise DomainError(_("Enter a date and time."), field=name)
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise DomainError(_("This time lies in the future."), field=name)
    if values.get("planned_for") is not None and not isinstance(values["planned_for"], date):
        raise DomainError(_("Enter a date."), field="planned_for")
    return values


def _may_work(actor: Any, inspection: Inspection) -> None:
    if inspection.inspector_id == actor.pk or actor.has_perm(REVIEW):
        return
    raise PermissionDenied(_("Only the inspector or a quality manager may do this."))


def _require_open(inspection: Inspection) -> None:
    if not inspection.is_open:
        raise ConflictError(
            _("A submitted inspection cannot change; ask for it to be sent back."),
            code="not_open",
        )


def update_inspection(inspection: Inspection | int, *, actor: Any, **fields: Any) -> Inspection:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here."), field=sorted(unknown)[0])
    _require(actor, CHANGE)
    values = _clean_fields(actor, fields)
    with transaction.atomic():
        locked = _lock(inspection, actor)
        _may_work(actor, locked)
        _require_open(locked)
        before = audit.snapshot(locked, INSPECTION_AUDIT)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, INSPECTION_AUDIT))
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return copy_saved_state(inspection, locked)


def _transition(locked: Inspection, actor: Any, target: str, **changes: Any) -> None:
    before = {"status": locked.status}
    locked.status = target
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save()
    after: dict[str, Any] = {"status": target}
    for key in ("score", "passed"):
        if key in changes:
            after[key] = str(changes[key]) if key == "score" else changes[key]
    audit.record(AuditAction.TRANSITION, locked, actor=actor, before=before, after=after)


def start_inspection(inspection: Inspection | int, *, actor: Any) -> Inspection:
    _require(actor, CHANGE)
    with transaction.atomic():
        locked = _lock(inspection, actor)
        _may_work(actor, locked)
        if locked.status != InspectionStatus.PLANNED:
            raise ConflictError(_("Only a planned inspection can start."), code="not_planned")
        _transition(
            locked,
            actor,
            InspectionStatus.IN_PROGRESS,
            performed_at=locked.performed_at or timezone.now(),
        )
    return copy_saved_state(inspection, locked)


@dataclass(frozen=True)
class ScoreInput:
    score: int | None = None
    not_applicable: bool = False
    comment: str = ""


def _check_score(item: ChecklistItem, entry: ScoreInput) -> None:
    field = f"item_{item.pk}"
    if entry.not_applicable:
        if not item.na_allowed:
            raise DomainError(
                _("“%(item)s” cannot be marked not applicable.") % {"item": item.display_text},
                field=field,
            )
        return
    if entry.score is None:
        return
    if not isinstance(entry.score, int) or not 0 <= entry.score <= item.top_score:
        raise DomainError(
            _("Score “%(item)s” from 0 to %(top)d.")
            % {"item": item.display_text, "top": item.top_score},
            field=field,
        )


def save_scores(
    target: Any,
    score_model: Any,
    owner_field: str,
    version: ChecklistVersion,
    scores: Mapping[int, ScoreInput],
) -> None:
    """Write item scores of an inspection or a review (items must belong to its version)."""
    items = {item.pk: item for item in version.items.all()}
    unknown = [pk for pk in scores if pk not in items]
    if unknown:
        raise DomainError(_("An item does not belong to this checklist."), field="scores")
    for pk, entry in scores.items():
        _check_score(items[pk], entry)
    existing = {row.item_id: row for row in score_model.objects.filter(**{owner_field: target})}
    new_rows = []
    changed = []
    for pk, entry in scores.items():
        comment = str(entry.comment or "").strip()[:500]
        score = None if entry.not_applicable else entry.score
        row = existing.get(pk)
        if row is None:
            new_rows.append(
                score_model(
                    **{owner_field: target},
                    item_id=pk,
                    score=score,
                    not_applicable=entry.not_applicable,
                    comment=comment,
                )
            )
        elif (row.score, row.not_applicable, row.comment) != (
            score,
            entry.not_applicable,
            comment,
        ):
            row.score, row.not_applicable, row.comment = score, entry.not_applicable, comment
            changed.append(row)
    score_model.objects.bulk_create(new_rows)
    if changed:
        score_model.objects.bulk_update(changed, ["score", "not_applicable", "comment"])


def result_of(version: ChecklistVersion, score_rows: Iterable[Any]) -> scoring.Result:
    items = list(version.items.all())
    return scoring.compute(scoring.scored_items(score_rows, items), version.pass_threshold)


def record_scores(
    inspection: Inspection | int, *, actor: Any, scores: Mapping[int, ScoreInput]
) -> Inspection:
    """Save item scores (a planned inspection starts); the running score is updated."""
    _require(actor, CHANGE)
    with transaction.atomic():
        locked = _lock(inspection, actor)
        _may_work(actor, locked)
        _require_open(locked)
        if locked.status == InspectionStatus.PLANNED:
            _transition(
                locked,
                actor,
                InspectionStatus.IN_PROGRESS,
                performed_at=locked.performed_at or timezone.now(),
            )
        save_scores(locked, InspectionScore, "inspection", locked.version, scores)
        result = result_of(locked.version, locked.scores.all())
        before = audit.snapshot(locked, ["score", "passed", "critical_failed"])
        locked.score, locked.passed, locked.critical_failed = (
            result.score,
            result.passed,
            result.critical_failed,
        )
        locked.save(update_fields=["score", "passed", "critical_failed", "updated_at"])
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before=before,
            after={
                **audit.snapshot(locked, ["score", "passed", "critical_failed"]),
                "items_scored": len(scores),
            },
        )
    return copy_saved_state(inspection, locked)


def submit_inspection(inspection: Inspection | int, *, actor: Any) -> Inspection:
    """Submit for review: every item scored or N/A; the score and result are fixed now."""
    _require(actor, CHANGE)
    with transaction.atomic():
        locked = _lock(inspection, actor)
        _may_work(actor, locked)
        if locked.status != InspectionStatus.IN_PROGRESS:
            raise ConflictError(
                _("Only an inspection in progress can be submitted."), code="not_in_progress"
            )
        result = result_of(locked.version, locked.scores.all())
        if result.missing:
            raise DomainError(
                _("Score every item (or mark it N/A) before submitting; %(n)d left.")
                % {"n": result.missing},
                field="scores",
                code="incomplete",
            )
        _transition(
            locked,
            actor,
            InspectionStatus.SUBMITTED,
            score=result.score,
            passed=result.passed,
            critical_failed=result.critical_failed,
            submitted_at=timezone.now(),
        )
        reviewers = User.objects.filter(
            groups__permissions__codename="review_inspection",
            groups__permissions__content_type__app_label="inspections",
            is_active=True,
        ).values_list("pk", flat=True)
        _notify_later(
            list(reviewers)[:20],
            actor,
            _("Inspection %(number)s was submitted for review.") % {"number": locked.number},
            locked,
        )
    return copy_saved_state(inspection, locked)


def review_inspection(
    inspection: Inspection | int, *, actor: Any, approve: bool, note: str = ""
) -> Inspection:
    """A quality manager accepts a submitted inspection, or sends it back to the inspector
    (with a reason) to correct."""
    _require(actor, REVIEW)
    note = str(note or "").strip()
    with transaction.atomic():
        locked = _lock(inspection, actor)
        if locked.status != InspectionStatus.SUBMITTED:
            raise ConflictError(
                _("Only a submitted inspection can be reviewed."), code="not_submitted"
            )
        if locked.inspector_id == actor.pk:
            raise DomainError(
                _("An inspection must be reviewed by someone other than its inspector."),
                code="same_person",
            )
        if approve:
            _transition(
                locked,
                actor,
                InspectionStatus.REVIEWED,
                reviewed_at=timezone.now(),
                reviewed_by=actor,
                review_note=note,
            )
            message = _("Inspection %(number)s was accepted.")
        else:
            if not note:
                raise DomainError(_("Say what must be corrected."), field="note", code="required")
            _transition(
                locked,
                actor,
                InspectionStatus.IN_PROGRESS,
                review_note=note,
                submitted_at=None,
            )
            message = _("Inspection %(number)s was sent back: %(note)s")
        _notify_later(
            [locked.inspector_id],
            actor,
            message % {"number": locked.number, "note": note},
            locked,
        )
    return copy_saved_state(inspection, locked)


def delete_inspection(inspection: Inspection | int, *, actor: Any) -> None:
    """Only an inspection not yet submitted can be deleted."""
    _require(actor, DELETE)
    with transaction.atomic():
        locked = _lock(inspection, actor)
        _may_work(actor, locked)
        _require_open(locked)
        audit.record(
            AuditAction.DELETE,
            locked,
            actor=actor,
            before=audit.snapshot(locked, INSPECTION_AUDIT),
        )
        files = [(p.file.storage, p.file.name or "") for p in locked.photos.all()]
        locked.delete()
        for storage, name in files:
            if name:
                transaction.on_commit(partial(storage.delete, name))


# --- photos -------------------------------------------------------------------------------


def add_photo(
    inspection: Inspection | int,
    *,
    actor: Any,
    upload: UploadedFile,
    item: ChecklistItem | None = None,
    caption: str = "",
) -> InspectionPhoto:
    _require(actor, CHANGE)
    content_type, extension = photos.check_photo(upload)
    with transaction.atomic():
        locked = _lock(inspection, actor)
        _may_work(actor, locked)
        _require_open(locked)
        if item is not None and item.version_id != locked.version_id:
            raise DomainError(_("The item is not part of this checklist."), field="item")
        photo = InspectionPhoto(
            inspection=locked,
            item=item,
            original_name=photos.clean_name(upload.name or ""),
            content_type=content_type,
            size=upload.size or 0,
            caption=_text(caption, "caption", limit=200),
            uploaded_by=actor,
        )
        photo.extension = extension
        photo.file.save("photo" + extension, upload, save=False)
        name = photo.file.name or ""
        try:
            photo.save()
            audit.record(
                AuditAction.UPDATE,
                locked,
                actor=actor,
                after={"photo": photo.original_name, "size": photo.size},
            )
        except Exception:
            photo.file.storage.delete(name)
            raise
    return photo


def delete_photo(photo: InspectionPhoto, *, actor: Any) -> None:
    _require(actor, CHANGE)
    with transaction.atomic():
        locked = _lock(photo.inspection_id, actor)
        _may_work(actor, locked)
        _require_open(locked)
        audit.record(AuditAction.UPDATE, locked, actor=actor, before={"photo": photo.original_name})
        name = photo.file.name or ""
        storage = photo.file.storage
        photo.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# --- findings -----------------------------------------------------------------------------


def _finding_values(
    actor: Any, inspection: Inspection, values: Mapping[str, Any]
) -> dict[str, Any]:
    clean: dict[str, Any] = {name: values[name] for name in FINDING_FIELDS if name in values}
    if "text" in clean:
        clean["text"] = _text(clean["text"], "text", required=True, limit=4000)
    if "severity" in clean and clean["severity"] not in Severity.values:
        raise DomainError(_("Select a valid choice."), field="severity")
    item = clean.get("item")
    if item is not None and (
        not isinstance(item, ChecklistItem) or item.version_id != inspection.version_id
    ):
        raise DomainError(_("The item is not part of this checklist."), field="item")
    if "responsible" in clean:
        _check_staff(actor, clean["responsible"], "responsible")
    due = clean.get("due_date")
    if due is not None and not isinstance(due, date):
        raise DomainError(_("Enter a date."), field="due_date")
    return clean


def add_finding(inspection: Inspection | int, *, actor: Any, **values: Any) -> Finding:
    _require(actor, ADD_FINDING)
    with transaction.atomic():
        locked = _lock(inspection, actor)
        if "text" not in values:
            raise DomainError(_("This field is required."), field="text", code="required")
        clean = _finding_values(actor, locked, values)
        finding = Finding.objects.create(
            inspection=locked, org_unit=locked.org_unit, created_by=actor, **clean
        )
        audit.record(
            AuditAction.CREATE, finding, actor=actor, after=audit.snapshot(finding, FINDING_AUDIT)
        )
        if finding.responsible_id:
            _notify_later(
                [finding.responsible_id],
                actor,
                _("Inspection %(number)s found something for you to put right: %(text)s")
                % {"number": locked.number, "text": finding.text[:80]},
                locked,
            )
    return finding


def _lock_finding(finding: Finding | int, actor: Any) -> Finding:
    _require(actor, VIEW_FINDING)
    return lock_in_scope(
        Finding,
        finding,
        actor,
        related=("inspection", "org_unit"),
        missing=_("No such finding."),
    )


def update_finding(finding: Finding | int, *, actor: Any, **values: Any) -> Finding:
    _require(actor, CHANGE_FINDING)
    with transaction.atomic():
        locked = _lock_finding(finding, actor)
        clean = _finding_values(actor, locked.inspection, values)
        before = audit.snapshot(locked, FINDING_AUDIT)
        for name, value in clean.items():
            setattr(locked, name, value)
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, FINDING_AUDIT))
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return copy_saved_state(finding, locked)


def delete_finding(finding: Finding | int, *, actor: Any) -> None:
    _require(actor, DELETE_FINDING)
    with transaction.atomic():
        locked = _lock_finding(finding, actor)
        if locked.improvement_action_id:
            raise ConflictError(
                _("This finding has an improvement action and cannot be deleted."),
                code="has_action",
            )
        audit.record(
            AuditAction.DELETE, locked, actor=actor, before=audit.snapshot(locked, FINDING_AUDIT)
        )
        locked.delete()


def open_finding_action(
    finding: Finding | int,
    *,
    actor: Any,
    owner: User | None = None,
    deadline: date | None = None,
    title: str = "",
) -> Any:
    """Open an improvement action for a finding (once); the finding links to it."""
    from sqms.improvement import services as improvement
    from sqms.improvement.choices import ActionSource

    with transaction.atomic():
        locked = _lock_finding(finding, actor)
        if locked.improvement_action_id:
            raise ConflictError(
                _("This finding already has an improvement action."), code="has_action"
            )
        inspection = locked.inspection
        action = improvement.open_action(
            actor=actor,
            source=ActionSource.INSPECTION,
            source_object=locked,
            title=_text(title, "title", limit=200) or locked.text.splitlines()[0][:200],
            problem=_("Inspection %(number)s (%(unit)s): %(text)s")
            % {
                "number": inspection.number,
                "unit": locked.org_unit.display_name,
                "text": locked.text,
            },
            org_unit=locked.org_unit,
            owner=owner or locked.responsible,
            deadline=deadline or locked.due_date,
        )
        # open_action calls link_improvement_action below; make sure of it either way.
        if not Finding.objects.filter(pk=locked.pk, improvement_action=action).exists():
            Finding.objects.filter(pk=locked.pk).update(improvement_action=action)
    return action


def link_improvement_action(source: Any, action: Any, *, actor: Any) -> None:
    """Called by sqms.improvement when an action is opened for one of our findings."""
    if isinstance(source, Finding):
        Finding.objects.filter(pk=source.pk).update(improvement_action=action)
        source.improvement_action = action
