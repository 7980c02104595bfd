"""Bulk import of historical tickets: CSV (UTF-8, BOM, GBK) and Excel, validation report,
all-or-nothing unless invalid rows are skipped, numbers kept or generated, audit, the page and
the management command."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from sqms.core.models import AuditEvent
from sqms.servicedesk import import_jobs, importer, sla
from sqms.servicedesk.choices import EventType, Priority, TicketStatus
from sqms.servicedesk.models import Category, ImportStatus, Ticket, TicketEvent, TicketImport
from sqms.servicedesk.sweep import sweep
from sqms.servicedesk.tests.doc_helpers import make_ticket

HEADER = [
    "number",
    "kind",
    "channel",
    "category",
    "title",
    "description",
    "customer_name",
    "customer_phone",
    "org_unit",
    "created_at",
    "status",
    "resolved_at",
    "closed_at",
    "resolution",
    "impact",
    "urgency",
]


def row(**values: Any) -> list[Any]:
    base = {
        "number": "",
        "kind": "complaint",
        "channel": "counter",
        "category": "",
        "title": "营业员态度差",
        "description": "客户投诉营业员态度冷淡",
        "customer_name": "王五",
        "customer_phone": "13900001111",
        "org_unit": "H1",
        "created_at": "2025-03-01 10:20",
        "status": "closed",
        "resolved_at": "2025-03-02 09:00",
        "closed_at": "2025-03-03 09:00",
        "resolution": "已致歉并培训",
        "impact": "2",
        "urgency": "1",
    }
    base.update(values)
    return [base[name] for name in HEADER]


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def manager(org: Any, make_user: Any) -> Any:
    return make_user("unit_manager", unit=org.branch1)


@pytest.fixture
def category(db: Any) -> Category:
    return Category.objects.add_root(
        {"code": "attitude-test", "name": "服务态度", "name_en": "Service attitude"}
    )


def test_utf8_csv_imports_with_kept_and_generated_numbers(
    org: Any, manager: Any, category: Category
) -> None:
    data = csv_bytes(
        [
            row(number="OLD-0001", category="attitude-test"),
            row(
                kind="咨询", channel="电话", status="", closed_at="", resolved_at="", resolution=""
            ),
            row(created_at="2024-12-31 23:30", org_unit="CC1"),
        ]
    )
    result = importer.import_tickets("history.csv", data, actor=manager)
    assert result.ok, result.problems
    assert result.imported == 3 and result.rows == 3
    kept = Ticket.objects.get(number="OLD-0001")
    assert kept.category == category
    assert kept.status == TicketStatus.CLOSED
    assert kept.priority == Priority.P2  # medium impact × high urgency in the built-in matrix
    assert kept.first_contact_owner == manager and kept.org_unit == org.hall1
    # Registration time kept as the hall's local time (UTC+8), not the time of the import.
    assert kept.created_at == datetime(2025, 3, 1, 2, 20, tzinfo=UTC)
    # Planned under its SLA policy from the registration time; the resolution's duration is
    # counted on the policy's clock (a Saturday to a Sunday: no business minutes at a hall).
    assert kept.sla_policy is not None and kept.resolve_due_at is not None
    clock = sla.clock_for(kept)
    assert kept.resolved_at is not None
    assert kept.resolve_minutes == clock.between(kept.created_at, kept.resolved_at)
    assert kept.resolve_breached is (kept.resolved_at > kept.resolve_due_at)
    assert kept.sla_next_check_at is None  # closed: nothing for the sweep
    assert kept.customer_phone == "13900001111"
    consultation = Ticket.objects.get(kind="consultation")
    assert consultation.channel == "phone" and consultation.status == TicketStatus.NEW
    late = Ticket.objects.get(org_unit=org.call_centre)
    # A generated number carries the registration day (local date), not today's.
    assert late.number.startswith("SQ20241231")
    assert consultation.number.startswith("SQ20250301")
    event = TicketEvent.objects.get(ticket=kept, event_type=EventType.CREATED)
    assert event.created_at == kept.created_at
    audit = AuditEvent.objects.get(object_type="servicedesk.ticketimport")
    assert (
        audit.after is not None
        and audit.after["imported"] == 3
        and audit.after["file"] == "history.csv"
    )
    assert audit.actor == manager


def test_bom_and_gbk_csv(manager: Any) -> None:
    with_bom = b"\xef\xbb\xbf" + csv_bytes([row(title="带BOM的文件")])
    assert importer.import_tickets("bom.csv", with_bom, actor=manager).imported == 1
    gbk = csv_bytes([row(title="国标编码的文件", customer_name="赵六")], encoding="gbk")
    result = importer.import_tickets("gbk.csv", gbk, actor=manager)
    assert result.imported == 1, result.problems
    ticket = Ticket.objects.get(title="国标编码的文件")
    assert ticket.customer_name == "赵六"


def test_chinese_headers_are_understood(manager: Any) -> None:
    header = ["类型", "渠道", "标题", "受理时间", "组织代码"]
    data = csv_bytes([["投诉", "营业厅", "中文表头", "2025-01-02 08:00", "H1"]], header=header)
    result = importer.import_tickets("zh.csv", data, actor=manager)
    assert result.imported == 1, result.problems


def test_xlsx_with_real_dates_and_numbers(org: Any, manager: Any) -> None:
    data = xlsx_bytes(
        [
            row(
                created_at=datetime(2025, 5, 4, 9, 15),
                resolved_at=datetime(2025, 5, 4, 11, 0),
                closed_at=datetime(2025, 5, 5, 9, 0),
                customer_phone=13800138000,
                impact=1,
                urgency=1,
            ),
            row(title="第二行"),
        ]
    )
    result = importer.import_tickets("history.xlsx", data, actor=manager)
    assert result.imported == 2, result.problems
    ticket = Ticket.objects.get(created_at=datetime(2025, 5, 4, 1, 15, tzinfo=UTC))
    assert ticket.customer_phone == "13800138000"
    assert ticket.priority == Priority.P1


def test_a_bad_row_in_the_middle_stops_everything(manager: Any) -> None:
    rows = [
        row(title="第一行"),
        row(
            kind="unknown",
            title="",
            created_at="yesterday",
            customer_phone="12345",
            org_unit="H2",
        ),
        row(title="第三行"),
    ]
    for name, data in (("bad.csv", csv_bytes(rows)), ("bad.xlsx", xlsx_bytes(rows))):
        result = importer.import_tickets(name, data, actor=manager)
        assert result.imported == 0
        problems = {(p.row, p.field) for p in result.problems}
        assert problems == {
            (3, "kind"),
            (3, "title"),
            (3, "created_at"),
            (3, "customer_phone"),
            (3, "org_unit"),  # H2 lies outside the manager's branch
        }
        assert all(p.message for p in result.problems)
        assert not Ticket.objects.exists()
        assert not AuditEvent.objects.filter(object_type="servicedesk.ticketimport").exists()


def test_skip_invalid_imports_the_good_rows(manager: Any) -> None:
    rows = [row(title="好的一行"), row(kind=""), row(title="另一好行", number="KEEP-1")]
    result = importer.import_tickets("mixed.csv", csv_bytes(rows), actor=manager, skip_invalid=True)
    assert result.imported == 2 and result.skipped == 1
    assert [(p.row, p.field) for p in result.problems] == [(3, "kind")]
    assert set(Ticket.objects.values_list("title", flat=True)) == {"好的一行", "另一好行"}
    audit = AuditEvent.objects.get(object_type="servicedesk.ticketimport")
    assert audit.after is not None and audit.after["skipped"] == 1 and audit.after["imported"] == 2


def test_consistency_rules(org: Any, manager: Any, make_user: Any) -> None:
    make_ticket(org.hall1, manager, number="DUP-1")
    outsider = make_user("agent", unit=org.hall2, username="far_away")
    rows = [
        row(number="DUP-1"),
        row(number="TWICE"),
        row(number="TWICE"),
        row(status="closed", closed_at="", resolution=""),
        row(resolved_at="2025-02-01 10:00"),
        row(closed_at="2025-03-01 12:00", resolved_at="2025-03-02 12:00"),
        row(created_at="2999-01-01 10:00", resolved_at="", closed_at="", status="new"),
        row(impact="huge"),
        row(category="no-such-code", org_unit="NOPE"),
    ]
    rows[0][HEADER.index("title")] = "x" * 201
    data = csv_bytes(rows, header=HEADER)
    extra = csv_bytes(
        [[*row(), "far_away"]], header=[*HEADER, "first_contact_owner"]
    )  # an owner outside the scope
    result = importer.import_tickets("rules.csv", data, actor=manager)
    found = {(p.row, p.field) for p in result.problems}
    assert {
        (2, "number"),
        (2, "title"),
        (4, "number"),
        (5, "closed_at"),
        (5, "resolution"),
        (6, "resolved_at"),
        (7, "closed_at"),
        (8, "created_at"),
        (9, "impact"),
        (10, "category"),
        (10, "org_unit"),
    } <= found
    assert (3, "number") not in found
    owner_result = importer.import_tickets("owner.csv", extra, actor=manager)
    assert {(p.row, p.field) for p in owner_result.problems} == {(2, "first_contact_owner")}
    assert outsider.pk
    assert Ticket.objects.count() == 1


def test_service_error_and_people_columns(org: Any, manager: Any, make_user: Any) -> None:
    clerk = make_user("agent", unit=org.hall1, username="clerk", employee_number="E77")
    header = [*HEADER, "service_error", "first_contact_owner", "assignee"]
    data = csv_bytes(
        [
            [*row(title="差错"), "是", "E77", "clerk"],
            [*row(title="无差错"), "no", "clerk", ""],
            [*row(title="乱填"), "perhaps", "nobody", ""],
        ],
        header=header,
    )
    result = importer.import_tickets("people.csv", data, actor=manager, skip_invalid=True)
    assert {(p.row, p.field) for p in result.problems} == {
        (4, "service_error"),
        (4, "first_contact_owner"),
    }
    flagged = Ticket.objects.get(title="差错")
    assert flagged.service_error and flagged.first_contact_owner == clerk
    assert flagged.assignee == clerk and flagged.resolved_by == clerk
    assert not Ticket.objects.get(title="无差错").service_error


def test_file_level_problems(manager: Any) -> None:
    def only(name: str, data: bytes) -> list[tuple[int, str]]:
        result = importer.import_tickets(name, data, actor=manager)
        assert result.imported == 0
        return [(p.row, p.field) for p in result.problems]

    assert only("x.txt", b"kind") == [(0, "file")]
    assert only("x.csv", b"") == [(0, "file")]
    assert only("x.csv", b"\xff\xfe\x00\x00garbage\x81") == [(0, "file")]
    assert only("x.xlsx", b"not an excel file") == [(0, "file")]
    missing = only("x.csv", csv_bytes([], header=["kind", "title", "whatever"]))
    assert (1, "channel") in missing and (1, "created_at") in missing
    assert (1, "whatever") in missing
    assert only("x.csv", csv_bytes([])) == [(0, "file")]


def test_dry_run_stores_nothing(manager: Any) -> None:
    result = importer.import_tickets("ok.csv", csv_bytes([row()]), actor=manager, dry_run=True)
    assert result.ok and result.rows == 1 and result.imported == 0
    assert not Ticket.objects.exists()


# --- the page ---------------------------------------------------------------------------------


def _upload(client: Client, name: str, data: bytes, **options: str) -> Any:
    return client.post(
        reverse("ticket_import"), {"file": SimpleUploadedFile(name, data), **options}
    )


def test_import_page_queues_a_job_that_the_worker_runs(
    org: Any, manager: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(manager)
    url = reverse("ticket_import")
    assert client.get(url).status_code == 200
    assert client.get(reverse("ticket_import_template")).content.startswith(b"\xef\xbb\xbfnumber")

    with django_capture_on_commit_callbacks() as queued:
        response = _upload(client, "t.csv", csv_bytes([row(), row(kind="?"), row()]))
    job = TicketImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/import/{job.pk}/"
    assert job.status == ImportStatus.QUEUED and job.file and len(queued) == 1
    page = client.get(response["Location"])
    assert b'hx-trigger="every 2s"' in page.content  # polls while it waits

    job = import_jobs.run_import(job.pk)  # what the worker does
    assert job.status == ImportStatus.DONE and job.rows == job.checked == 3
    assert job.imported == 0 and job.problems[0][0] == 3
    assert not job.file  # the customers' data goes with the run
    assert not Ticket.objects.exists()
    page = client.get(reverse("ticket_import_job", args=[job.pk]))
    assert b'data-testid="import-problem"' in page.content
    assert b"every 2s" not in page.content
    assert import_jobs.run_import(job.pk).status == ImportStatus.DONE  # never runs twice

    _upload(client, "t.csv", csv_bytes([row(), row(kind="?"), row()]), skip_invalid="on")
    skipped = import_jobs.run_import(TicketImport.objects.latest("pk").pk)
    assert (skipped.imported, skipped.skipped) == (2, 1)
    assert Ticket.objects.count() == 2
    assert skipped.first_number and skipped.last_number

    wrong = _upload(client, "t.exe", b"MZ")
    assert wrong.status_code == 400 and wrong.context["form"].errors["file"]
    assert TicketImport.objects.count() == 2


def test_import_jobs_are_scoped_and_need_the_permission(
    org: Any, manager: Any, make_user: Any
) -> None:
    client = Client()
    client.force_login(manager)
    _upload(client, "t.csv", csv_bytes([row()]))
    job = TicketImport.objects.get()
    job_url = reverse("ticket_import_job", args=[job.pk])
    agent = Client()
    agent.force_login(make_user("agent", unit=org.hall1))
    assert agent.get(reverse("ticket_import")).status_code == 403
    assert agent.post(reverse("ticket_import"), {}).status_code == 403
    assert agent.get(job_url).status_code == 403
    stranger = Client()
    stranger.force_login(make_user("unit_manager", unit=org.hall2))
    assert stranger.get(job_url).status_code == 404
    assert job not in import_jobs.visible_imports(make_user("unit_manager", unit=org.hall2))
    assert client.get(job_url).status_code == 200


def test_an_import_cut_off_with_its_worker_is_closed_later(manager: Any) -> None:
    job = TicketImport.objects.create(
        original_name="big.csv",
        created_by=manager,
        status=ImportStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=30),
    )
    assert import_jobs.end_interrupted() == 0  # still within its time
    assert import_jobs.end_interrupted(timezone.now() + timedelta(hours=1)) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "interrupted" in job.error
    assert import_jobs.run_import(job.pk).status == ImportStatus.FAILED  # not re-run


def test_a_failing_run_ends_the_job_as_failed(manager: Any) -> None:
    job = TicketImport.objects.create(original_name="gone.csv", created_by=manager)
    job = import_jobs.run_import(job.pk)  # no file stored: the run fails, visibly
    assert job.status == ImportStatus.FAILED and job.error and job.finished_at


# --- the command ------------------------------------------------------------------------------


def test_command(tmp_path: Path, manager: Any) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(csv_bytes([row(), row(kind="?"), row()]))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_tickets", str(path), "--user", manager.username)
    assert not Ticket.objects.exists()
    out = io.StringIO()
    err = io.StringIO()
    call_command(
        "import_tickets",
        str(path),
        "--skip-invalid",
        "--user",
        manager.username,
        stdout=out,
        stderr=err,
    )
    assert Ticket.objects.count() == 2
    assert "3\tkind\t" in err.getvalue()
    # Without --user every row must name its first-contact owner.
    with pytest.raises(CommandError):
        call_command("import_tickets", str(path), stderr=io.StringIO())
    owned = tmp_path / "owned.csv"
    owned.write_bytes(
        csv_bytes([[*row(), manager.username]], header=[*HEADER, "first_contact_owner"])
    )
    call_command("import_tickets", str(owned), stdout=io.StringIO())
    assert Ticket.objects.count() == 3
    with pytest.raises(CommandError):
        call_command("import_tickets", str(tmp_path / "missing.csv"))


def test_open_imported_tickets_are_planned_and_missed_targets_are_facts_not_escalations(
    org: Any, manager: Any
) -> None:
    now = timezone.now()
    local = timezone.localtime(now)
    data = csv_bytes(
        [
            # Registered a month ago and still open: both targets long missed.
            row(
                number="OLD-LATE",
                status="in_progress",
                resolved_at="",
                closed_at="",
                resolution="",
                created_at=(local - timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
            ),
            # Registered a minute ago: everything still ahead.
            row(
                number="OLD-NEW",
                status="",
                resolved_at="",
                closed_at="",
                resolution="",
                created_at=(local - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M"),
            ),
        ]
    )
    result = importer.import_tickets("open.csv", data, actor=manager)
    assert result.ok, result.problems
    late = Ticket.objects.get(number="OLD-LATE")
    assert late.response_breached and late.resolve_breached
    assert late.sla_next_check_at is None
    fresh = Ticket.objects.get(number="OLD-NEW")
    assert fresh.sla_policy is not None and not fresh.resolve_breached
    assert fresh.sla_next_check_at is not None and fresh.sla_next_check_at > now
    # The sweep escalates neither now: the missed targets predate the import.
    assert sweep(now).escalated == 0
    assert not TicketEvent.objects.filter(event_type=EventType.ESCALATION).exists()


def test_a_time_at_the_edge_of_the_calendar_is_a_row_problem_not_a_failed_import(
    manager: Any,
) -> None:
    # 0001-01-01 00:00 in Asia/Shanghai has no UTC equivalent: it used to pass the checks and
    # then fail the whole import ("date value out of range") when the ticket was saved.
    rows = [row(title="好的一行"), row(created_at="0001-01-01 00:00", status="new")]
    result = importer.import_tickets("edge.csv", csv_bytes(rows), actor=manager, skip_invalid=True)
    assert [(p.row, p.field) for p in result.problems] == [(3, "created_at")]
    assert result.imported == 1 and result.skipped == 1
    assert list(Ticket.objects.values_list("title", flat=True)) == ["好的一行"]


def test_the_report_is_written_in_the_language_of_the_user_who_uploaded(
    org: Any, make_user: Any
) -> None:
    # The worker runs in the default language, whatever the uploader reads: an English
    # manager got a Chinese report. Run each under the other language, as a worker would.
    english = make_user("unit_manager", unit=org.branch1, language="en")
    chinese = make_user("unit_manager", unit=org.branch1, language="zh-hans")
    for user, expected in ((english, "Unknown value"), (chinese, "未知值")):
        job = TicketImport.objects.create(original_name="t.csv", created_by=user)
        job.file.save("t.csv", SimpleUploadedFile("t.csv", csv_bytes([row(kind="?")])))
        with translation.override("zh-hans" if user is english else "en"):  # the worker's
            job = import_jobs.run_import(job.pk)
        assert job.status == ImportStatus.DONE
        assert job.problems[0][1] == "kind" and expected in job.problems[0][2]
