"""Inspection services: planning, scoring, submission, review (and sending back), refusals,
photos, findings and the improvement action a finding opens; checklist versions."""

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import override_settings

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent
from sqms.improvement.choices import ActionSource
from sqms.improvement.models import ImprovementAction
from sqms.inspections import services
from sqms.inspections.choices import InspectionStatus, VersionStatus
from sqms.inspections.models import ChecklistTemplate, ChecklistVersion, Finding, Inspection
from sqms.inspections.services import ScoreInput
from sqms.inspections.tests.conftest import full_marks, hall_version, mystery_version

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_seeds_exist_with_their_sections() -> None:
    hall = hall_version()
    titles = [s.title for s in hall.sections.all()]
    assert titles == [
        "环境卫生",
        "设施设备",
        "人员仪容仪表与服务规范",
        "公告与资费公示",
        "无障碍设施",
        "安全管理",
    ]
    for section in hall.sections.all():
        assert 4 <= section.items.count() <= 6
    assert [s.title for s in mystery_version().sections.all()] == [
        "迎接问候",
        "需求探询",
        "信息准确性",
        "办理时长",
        "送别致意",
    ]
    review = ChecklistTemplate.objects.get(code="ticket-review").current_version()
    assert review is not None
    assert [s.title for s in review.sections.all()] == [
        "受理准确性",
        "流程合规性",
        "沟通表达",
        "办结正确性",
    ]
    # The post_migrate hook is idempotent.
    from sqms.inspections.seeds import seed_checklists

    assert seed_checklists() == 0


def test_full_journey_scores_submits_and_is_reviewed(
    plan_inspection: Any, inspector: Any, qm: Any, clerk: Any
) -> None:
    inspection = plan_inspection(inspected_staff=clerk)
    assert inspection.status == InspectionStatus.PLANNED and inspection.kind == "on_site"
    version = inspection.version
    services.record_scores(inspection, actor=inspector, scores=full_marks(version))
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS
    assert inspection.score == Decimal("100.00") and inspection.passed
    services.submit_inspection(inspection, actor=inspector)
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SUBMITTED and inspection.submitted_at
    services.review_inspection(inspection, actor=qm, approve=True, note="符合")
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.REVIEWED
    assert inspection.reviewed_by == qm
    assert (
        AuditEvent.objects.filter(
            object_type="inspections.inspection", object_id=str(inspection.pk), action="transition"
        ).count()
        == 3
    )


def test_critical_fail_fails_a_high_score(plan_inspection: Any, inspector: Any) -> None:
    inspection = plan_inspection()
    version = inspection.version
    scores = full_marks(version)
    critical = version.items.filter(critical=True).first()
    scores[critical.pk] = ScoreInput(score=0, comment="灭火器过期")
    services.record_scores(inspection, actor=inspector, scores=scores)
    services.submit_inspection(inspection, actor=inspector)
    inspection.refresh_from_db()
    assert inspection.score > Decimal("85")
    assert inspection.critical_failed and inspection.passed is False


def test_submission_needs_every_item(plan_inspection: Any, inspector: Any) -> None:
    inspection = plan_inspection()
    scores = full_marks(inspection.version)
    scores.pop(next(iter(scores)))
    services.record_scores(inspection, actor=inspector, scores=scores)
    with pytest.raises(DomainError) as refused:
        services.submit_inspection(inspection, actor=inspector)
    assert refused.value.code == "incomplete"
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.IN_PROGRESS


def test_bad_scores_are_refused(plan_inspection: Any, inspector: Any) -> None:
    inspection = plan_inspection()
    version = inspection.version
    pass_fail = version.items.filter(scoring="pass_fail", na_allowed=False).first()
    scale = version.items.filter(scoring="scale").first()
    for scores in (
        {pass_fail.pk: ScoreInput(score=2)},
        {scale.pk: ScoreInput(score=scale.max_score + 1)},
        {pass_fail.pk: ScoreInput(not_applicable=True)},
        {mystery_version().items.all()[0].pk: ScoreInput(score=1)},
    ):
        with pytest.raises(DomainError):
            services.record_scores(inspection, actor=inspector, scores=scores)
    assert not inspection.scores.exists()


def test_refused_transitions(plan_inspection: Any, inspector: Any, qm: Any) -> None:
    inspection = plan_inspection()
    with pytest.raises(ConflictError):
        services.submit_inspection(inspection, actor=inspector)  # still planned
    with pytest.raises(ConflictError):
        services.review_inspection(inspection, actor=qm, approve=True)
    services.record_scores(inspection, actor=inspector, scores=full_marks(inspection.version))
    services.submit_inspection(inspection, actor=inspector)
    with pytest.raises(ConflictError):
        services.record_scores(inspection, actor=inspector, scores={})
    with pytest.raises(PermissionDenied):  # inspectors do not review
        services.review_inspection(inspection, actor=inspector, approve=True)
    with pytest.raises(DomainError):  # sending back needs a reason
        services.review_inspection(inspection, actor=qm, approve=False)
    services.review_inspection(inspection, actor=qm, approve=False, note="照片不清晰")
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS
    assert inspection.review_note == "照片不清晰"
    with pytest.raises(ConflictError):
        services.delete_inspection(
            Inspection.objects.create(
                number="IN-X",
                version=inspection.version,
                org_unit=inspection.org_unit,
                inspector=inspector,
                status=InspectionStatus.REVIEWED,
            ),
            actor=inspector,
        )


def test_reviewer_must_not_be_the_inspector(org: Any, make_user: Any, qm: Any) -> None:
    inspection = services.create_inspection(actor=qm, version=hall_version(), org_unit=org.hall1)
    services.record_scores(inspection, actor=qm, scores=full_marks(inspection.version))
    services.submit_inspection(inspection, actor=qm)
    with pytest.raises(DomainError):
        services.review_inspection(inspection, actor=qm, approve=True)


def test_scope_and_permissions(org: Any, make_user: Any, plan_inspection: Any) -> None:
    manager2 = make_user("unit_manager", unit=org.hall2)
    manager1 = make_user("unit_manager", unit=org.hall1)
    inspection = plan_inspection()
    assert Inspection.objects.visible_to(manager1).filter(pk=inspection.pk).exists()
    assert not Inspection.objects.visible_to(manager2).filter(pk=inspection.pk).exists()
    with pytest.raises(PermissionDenied):
        services.create_inspection(actor=manager1, version=hall_version(), org_unit=org.hall1)
    with pytest.raises(PermissionDenied):
        services.start_inspection(inspection, actor=manager1)
    other = make_user("quality_inspector", unit=org.hq)
    with pytest.raises(PermissionDenied):  # not their inspection
        services.start_inspection(inspection, actor=other)
    with pytest.raises(DomainError):  # a review checklist is not for inspections
        services.create_inspection(
            actor=other,
            version=ChecklistVersion.objects.get(template__code="ticket-review", number=1),
            org_unit=org.hall1,
        )


def test_mystery_visit_facts(org: Any, inspector: Any) -> None:
    visit = services.create_inspection(
        actor=inspector,
        version=mystery_version(),
        org_unit=org.hall1,
        scenario="办理携号转网",
        waiting_minutes=12,
        handling_minutes=18,
    )
    assert visit.kind == "mystery_shopper" and visit.waiting_minutes == 12
    with pytest.raises(DomainError):
        services.update_inspection(visit, actor=inspector, waiting_minutes=-3)


# --- photos ---------------------------------------------------------------------------------


def test_photo_upload_checks_magic_bytes(plan_inspection: Any, inspector: Any) -> None:
    inspection = plan_inspection()
    item = inspection.version.items.first()
    photo = services.add_photo(
        inspection,
        actor=inspector,
        upload=SimpleUploadedFile("台面.png", PNG, content_type="image/png"),
        item=item,
    )
    assert photo.content_type == "image/png" and str(photo.file.name).endswith(".png")
    assert photo.original_name == "台面.png"
    jpeg = services.add_photo(
        inspection, actor=inspector, upload=SimpleUploadedFile("a.bin", JPEG, "text/plain")
    )
    assert jpeg.content_type == "image/jpeg"  # by content, not the name or the claim
    for bad in (
        SimpleUploadedFile("fake.png", b"<html>not an image</html>", content_type="image/png"),
        SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
    ):
        with pytest.raises(DomainError) as refused:
            services.add_photo(inspection, actor=inspector, upload=bad)
        assert refused.value.field == "file"
    assert inspection.photos.count() == 2


@override_settings(SQMS_INSPECTION_PHOTO_MAX_BYTES=100)
def test_photo_size_limit(plan_inspection: Any, inspector: Any) -> None:
    inspection = plan_inspection()
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * 200, content_type="image/jpeg")
    with pytest.raises(DomainError) as refused:
        services.add_photo(inspection, actor=inspector, upload=big)
    assert refused.value.code == "too_large"
    assert not inspection.photos.exists()
    _ = io


# --- findings and improvement actions -------------------------------------------------------


def test_finding_opens_an_improvement_action(
    plan_inspection: Any, inspector: Any, clerk: Any, qm: Any
) -> None:
    inspection = plan_inspection()
    item = inspection.version.items.filter(critical=True).first()
    finding = services.add_finding(
        inspection,
        actor=inspector,
        text="灭火器过期未更换",
        severity="high",
        item=item,
        responsible=clerk,
    )
    assert finding.org_unit == inspection.org_unit
    # Improvement actions follow the core scope: an inspector from outside the unit's branch
    # cannot open one there; the quality manager above it can.
    with pytest.raises(PermissionDenied):
        services.open_finding_action(finding, actor=inspector)
    action = services.open_finding_action(finding, actor=qm)
    assert action.source == ActionSource.INSPECTION
    assert action.source_id == str(finding.pk)
    assert action.org_unit == inspection.org_unit
    assert action.owner == clerk
    finding.refresh_from_db()
    assert finding.improvement_action == action
    with pytest.raises(ConflictError):
        services.open_finding_action(finding, actor=qm)
    with pytest.raises(ConflictError):
        services.delete_finding(finding, actor=inspector)
    assert ImprovementAction.objects.count() == 1


def test_finding_rules(org: Any, plan_inspection: Any, inspector: Any, make_user: Any) -> None:
    inspection = plan_inspection()
    with pytest.raises(DomainError):
        services.add_finding(inspection, actor=inspector, text="  ")
    with pytest.raises(DomainError):
        services.add_finding(inspection, actor=inspector, text="x", severity="fatal")
    with pytest.raises(DomainError):
        services.add_finding(
            inspection, actor=inspector, text="x", item=mystery_version().items.first()
        )
    outsider = make_user("unit_manager", unit=org.hall2)
    with pytest.raises((PermissionDenied, Http404)):
        services.add_finding(inspection, actor=outsider, text="x")
    assert not Finding.objects.exists()


# --- checklist versions ---------------------------------------------------------------------


def test_new_version_is_a_draft_copy_and_publishing_retires_the_old(
    qm: Any, plan_inspection: Any
) -> None:
    old = hall_version()
    used = plan_inspection()
    template = old.template
    draft = services.new_version(template, actor=qm)
    assert draft.number == old.number + 1 and draft.status == VersionStatus.DRAFT
    assert draft.items.count() == old.items.count()
    with pytest.raises(ConflictError):
        services.new_version(template, actor=qm)
    item = draft.items.first()
    services.save_item(draft, actor=qm, item=item, text="新的检查项", weight=5)
    services.update_version(draft, actor=qm, pass_threshold="90")
    services.publish_version(draft, actor=qm)
    old.refresh_from_db()
    assert old.status == VersionStatus.RETIRED
    assert template.current_version() == draft
    # Published versions are immutable, and the inspection keeps the version it used.
    with pytest.raises(ConflictError):
        services.save_item(draft, actor=qm, item=draft.items.first(), text="改")
    used.refresh_from_db()
    assert used.version == old
    assert old.items.filter(text="新的检查项").count() == 0


def test_checklist_management_needs_the_permission(inspector: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.new_version(hall_version().template, actor=inspector)
