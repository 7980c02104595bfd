"""Bulk import of historical tickets from CSV (UTF-8 with or without BOM, or GBK) and Excel.

Every row is validated first and the problems come back as (row, field, message). Nothing is
stored while any row is invalid, unless the caller asks to skip invalid rows; the valid rows
then go in one transaction, with their numbers kept or generated, a "registered" line on each
ticket's timeline and one audit event for the whole import.
"""

import csv
import io
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core import audit, numbering
from sqms.core.choices import AuditAction
from sqms.core.masking import validate_phone_number
from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_in_scope
from sqms.servicedesk import sla
from sqms.servicedesk.choices import (
    OPEN_STATUSES,
    Channel,
    EventType,
    Level,
    Priority,
    TicketKind,
    TicketStatus,
)
from sqms.servicedesk.models import Category, PriorityRule, Ticket, TicketEvent
from sqms.servicedesk.services import TEXT_LIMIT
from sqms.servicedesk.sla import BUILTIN_MATRIX

NUMBER_PREFIX = "SQ"
MAX_ROWS = 20_000
HEADER_ROW = 1
BATCH = 500

# Column → accepted header spellings (English code first, then Chinese headings people use).
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "工单号", "编号"),
    "kind": ("kind", "类型", "工单类型"),
    "channel": ("channel", "渠道", "受理渠道"),
    "category": ("category", "category code", "问题类型", "问题类型代码"),
    "title": ("title", "标题"),
    "description": ("description", "描述", "内容"),
    "customer_name": ("customer_name", "customer name", "客户姓名", "客户"),
    "customer_phone": ("customer_phone", "customer phone", "客户电话", "联系电话"),
    "org_unit": ("org_unit", "org unit", "org unit code", "组织", "组织代码", "单位代码"),
    "created_at": ("created_at", "created at", "受理时间", "登记时间"),
    "status": ("status", "状态"),
    "responded_at": ("responded_at", "responded at", "响应时间"),
    "resolved_at": ("resolved_at", "resolved at", "解决时间"),
    "closed_at": ("closed_at", "closed at", "归档时间", "关闭时间"),
    "resolution": ("resolution", "处理结果", "解决方案"),
    "root_cause": ("root_cause", "root cause", "原因"),
    "impact": ("impact", "影响", "影响度"),
    "urgency": ("urgency", "紧急", "紧急度"),
    "service_error": ("service_error", "service error", "服务差错"),
    "first_contact_owner": ("first_contact_owner", "first contact owner", "首问负责人"),
    "assignee": ("assignee", "处理人"),
}
REQUIRED_COLUMNS = ("kind", "channel", "title", "created_at")
LEVEL_WORDS = {
    "1": Level.HIGH,
    "high": Level.HIGH,
    "高": Level.HIGH,
    "2": Level.MEDIUM,
    "medium": Level.MEDIUM,
    "中": Level.MEDIUM,
    "3": Level.LOW,
    "low": Level.LOW,
    "低": Level.LOW,
}
# Chinese names used in halls' own spreadsheets, whatever the UI catalogue says.
CHINESE_WORDS: dict[str, dict[str, str]] = {
    "kind": {
        "咨询": TicketKind.CONSULTATION,
        "业务": TicketKind.BUSINESS,
        "业务办理": TicketKind.BUSINESS,
        "投诉": TicketKind.COMPLAINT,
        "建议": TicketKind.SUGGESTION,
        "表扬": TicketKind.PRAISE,
        "故障": TicketKind.FAULT,
        "报修": TicketKind.FAULT,
        "故障报修": TicketKind.FAULT,
    },
    "channel": {
        "营业厅": Channel.COUNTER,
        "柜台": Channel.COUNTER,
        "窗口": Channel.COUNTER,
        "电话": Channel.PHONE,
        "热线": Channel.PHONE,
        "邮件": Channel.EMAIL,
        "电子邮件": Channel.EMAIL,
        "网站": Channel.WEB,
        "门户": Channel.WEB,
        "微信": Channel.WECHAT,
        "社交媒体": Channel.SOCIAL,
        "信函": Channel.LETTER,
        "接口": Channel.API,
    },
    "status": {
        "受理": TicketStatus.NEW,
        "新建": TicketStatus.NEW,
        "分类": TicketStatus.TRIAGED,
        "已分类": TicketStatus.TRIAGED,
        "响应": TicketStatus.RESPONDED,
        "已响应": TicketStatus.RESPONDED,
        "处理中": TicketStatus.IN_PROGRESS,
        "等待客户": TicketStatus.WAITING_CUSTOMER,
        "已解决": TicketStatus.RESOLVED,
        "已验证": TicketStatus.VERIFIED,
        "归档": TicketStatus.CLOSED,
        "已归档": TicketStatus.CLOSED,
        "关闭": TicketStatus.CLOSED,
        "已关闭": TicketStatus.CLOSED,
        "重开": TicketStatus.REOPENED,
        "已重开": TicketStatus.REOPENED,
    },
}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "无"}
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
_SPACES = re.compile(r"\s+")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet's row number: the header is row 1
    field: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def invalid_rows(self) -> int:
        return len({problem.row for problem in self.problems if problem.row > HEADER_ROW})


# --- reading files ---------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, so it reads all of them.
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The file is neither UTF-8 nor GBK text; save it as UTF-8 CSV or as Excel.")
        ) from error


def read_csv(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        message = _("The CSV file is malformed: %(error)s") % {"error": error}
        raise ImportFileError(message) from error


def read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_("The Excel file cannot be read.")) from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def read_rows(name: str, data: bytes) -> list[list[Any]]:
    ext = os.path.splitext(name or "")[1].lower()
    if ext == ".csv":
        return read_csv(data)
    if ext == ".xlsx":
        return read_xlsx(data)
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _header_key(value: Any) -> str:
    return _SPACES.sub(" ", str(value or "").strip().lower().replace("_", " "))


def map_header(header: list[Any]) -> tuple[dict[str, int], list[Problem]]:
    aliases = {_header_key(alias): column for column, names in COLUMNS.items() for alias in names}
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, title in enumerate(header):
        key = _header_key(title)
        if not key:
            continue
        column = aliases.get(key)
        if column is None:
            problems.append(
                Problem(HEADER_ROW, str(title), _("Unknown column; it would be ignored."))
            )
        elif column in positions:
            problems.append(Problem(HEADER_ROW, str(title), _("This column appears twice.")))
        else:
            positions[column] = index
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            problems.append(Problem(HEADER_ROW, column, _("This column is missing.")))
    return positions, problems


# --- validating rows -------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps phone numbers and codes typed as numbers as floats.
        return str(int(value))
    return str(value).strip()


def choice_words(choices: Any) -> dict[str, str]:
    """Every spelling of a choice that a file may use: its code and its label in either
    language, lower-cased, mapped to the code."""
    words: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, label in choices.choices:
                words.setdefault(str(label).strip().lower(), str(code))
    for code in choices.values:
        words[str(code).lower()] = str(code)
    return words


class _Lookups:
    """Reference data loaded once per import, so validation costs a few queries in all."""

    def __init__(self, actor: Any, rows: list[dict[str, str]]) -> None:
        unit_codes = {row.get("org_unit", "") for row in rows} - {""}
        self.units = {u.code: u for u in OrgUnit.objects.filter(code__in=unit_codes)}
        category_codes = {row.get("category", "") for row in rows} - {""}
        self.categories = {c.code: c for c in Category.objects.filter(code__in=category_codes)}
        people = {row.get(k, "") for row in rows for k in ("first_contact_owner", "assignee")}
        people -= {""}
        users = User.objects.filter(username__in=people) | User.objects.filter(
            employee_number__in=people
        )
        self.users: dict[str, User] = {}
        for user in users.select_related("org_unit"):
            self.users[user.username] = user
            if user.employee_number:
                self.users[user.employee_number] = user
        numbers = {row.get("number", "") for row in rows} - {""}
        self.taken_numbers = set(
            Ticket.objects.filter(number__in=numbers).values_list("number", flat=True)
        )
        self.matrix = dict(BUILTIN_MATRIX)
        for rule in PriorityRule.objects.all():
            self.matrix[(rule.impact, rule.urgency)] = rule.priority
        self.default_unit = getattr(actor, "org_unit", None)
        self.words = {
            "kind": choice_words(TicketKind),
            "channel": choice_words(Channel),
            "status": choice_words(TicketStatus),
        }
        for name, words in CHINESE_WORDS.items():
            self.words[name].update({word: str(code) for word, code in words.items()})

    def choice(self, name: str, value: str) -> str | None:
        return self.words[name].get(value.strip().lower())


class DateOutOfRange(ValueError):
    """A date and time that parses but cannot be stored."""


def _parse_datetime(value: Any, zone: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0))
    else:
        text = _text(value)
        if not text:
            return None
        for pattern in DATETIME_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError as error:
                raise ValueError(text) from error
    if timezone.is_naive(moment):
        # A time without an offset is the unit's wall-clock time, as the hall recorded it.
        moment = moment.replace(tzinfo=zone)
    try:
        # Stored in UTC: a time at the very edge of the calendar (0001-01-01 in a zone ahead
        # of UTC) has no UTC equivalent and would fail the whole import when saved.
        moment.astimezone(UTC)
    except OverflowError as error:
        raise DateOutOfRange(str(value)) from error
    return moment


def _validate_row(
    line: int,
    raw: dict[str, Any],
    *,
    actor: Any,
    lookups: _Lookups,
    seen_numbers: set[str],
    now: datetime,
) -> tuple[dict[str, Any] | None, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def fail(name: str, message: str) -> None:
        problems.append(Problem(line, name, message))

    text = {name: _text(raw.get(name)) for name in COLUMNS}

    number = text["number"]
    if number:
        max_length = Ticket._meta.get_field("number").max_length or 20
        if len(number) > max_length:
            fail("number", _("At most %(max)d characters.") % {"max": max_length})
        elif number in lookups.taken_numbers:
            fail("number", _("A ticket with this number already exists."))
        elif number in seen_numbers:
            fail("number", _("This number appears twice in the file."))
        seen_numbers.add(number)
    values["number"] = number

    for name in ("kind", "channel"):
        if not text[name]:
            fail(name, _("This field is required."))
            continue
        code = lookups.choice(name, text[name])
        if code is None:
            fail(name, _("Unknown value “%(value)s”.") % {"value": text[name]})
        values[name] = code

    title = text["title"]
    title_max = Ticket._meta.get_field("title").max_length or 200
    if not title:
        fail("title", _("This field is required."))
    elif len(title) > title_max:
        fail("title", _("At most %(max)d characters.") % {"max": title_max})
    values["title"] = title
    for name in ("description", "resolution", "root_cause"):
        if len(text[name]) > TEXT_LIMIT:
            fail(name, _("At most %(max)d characters.") % {"max": TEXT_LIMIT})
        values[name] = text[name]

    values["category"] = None
    if text["category"]:
        values["category"] = lookups.categories.get(text["category"])
        if values["category"] is None:
            message = _("No problem type has the code “%(code)s”.")
            fail("category", message % {"code": text["category"]})

    name_max = Ticket._meta.get_field("customer_name").max_length or 100
    if len(text["customer_name"]) > name_max:
        fail("customer_name", _("At most %(max)d characters.") % {"max": name_max})
    values["customer_name"] = text["customer_name"]
    try:
        validate_phone_number(text["customer_phone"])
    except ValidationError as error:
        fail("customer_phone", " ".join(error.messages))
    values["customer_phone"] = text["customer_phone"]

    unit = lookups.default_unit
    if text["org_unit"]:
        unit = lookups.units.get(text["org_unit"])
        if unit is None:
            fail("org_unit", _("No org unit has the code “%(code)s”.") % {"code": text["org_unit"]})
    if unit is None and not text["org_unit"]:
        fail("org_unit", _("This field is required."))
    elif unit is not None and actor is not None and not unit_in_scope(actor, unit):
        fail("org_unit", _("This org unit is outside your scope."))
    values["org_unit"] = unit
    zone = ZoneInfo(unit.time_zone if unit is not None else settings.TIME_ZONE)

    moments: dict[str, datetime | None] = {}
    for name in ("created_at", "responded_at", "resolved_at", "closed_at"):
        try:
            moments[name] = _parse_datetime(raw.get(name), zone)
        except DateOutOfRange:
            moments[name] = None
            fail(name, _("This date lies outside the range that can be stored."))
            continue
        except ValueError:
            moments[name] = None
            fail(name, _("Not a date and time; write it as 2025-03-01 14:30."))
            continue
        if moments[name] is not None and moments[name] > now:  # type: ignore[operator]
            fail(name, _("This time lies in the future."))
    created = moments["created_at"]
    if created is None and "created_at" not in {p.field for p in problems}:
        fail("created_at", _("This field is required."))
    for name in ("responded_at", "resolved_at", "closed_at"):
        later = moments[name]
        if created is not None and later is not None and later < created:
            fail(name, _("This time lies before the registration time."))
    if (
        moments["resolved_at"] is not None
        and moments["closed_at"] is not None
        and moments["closed_at"] < moments["resolved_at"]
    ):
        fail("closed_at", _("The ticket cannot be closed before it was resolved."))
    values.update(moments)

    status = None
    if text["status"]:
        status = lookups.choice("status", text["status"])
        if status is None:
            fail("status", _("Unknown value “%(value)s”.") % {"value": text["status"]})
    elif moments["closed_at"] is not None:
        status = TicketStatus.CLOSED
    elif moments["resolved_at"] is not None:
        status = TicketStatus.RESOLVED
    else:
        status = TicketStatus.NEW
    if status in (TicketStatus.RESOLVED, TicketStatus.VERIFIED, TicketStatus.CLOSED):
        if moments["resolved_at"] is None and "resolved_at" not in {p.field for p in problems}:
            fail("resolved_at", _("A resolved or closed ticket needs its resolution time."))
        if not values["resolution"]:
            fail("resolution", _("A resolved or closed ticket needs its resolution."))
    closing_problem = "closed_at" in {p.field for p in problems}
    if status == TicketStatus.CLOSED and moments["closed_at"] is None and not closing_problem:
        fail("closed_at", _("A closed ticket needs its closing time."))
    values["status"] = status

    for name in ("impact", "urgency"):
        level = LEVEL_WORDS.get(text[name].lower()) if text[name] else Level.MEDIUM
        if level is None:
            fail(name, _("Use 1 (high), 2 (medium) or 3 (low)."))
        values[name] = level

    flag = text["service_error"].lower()
    if flag in TRUE_WORDS:
        values["service_error"] = True
    elif flag in FALSE_WORDS:
        values["service_error"] = False
    else:
        fail("service_error", _("Use yes or no."))

    for name in ("first_contact_owner", "assignee"):
        person = None
        if text[name]:
            person = lookups.users.get(text[name])
            if person is None:
                fail(
                    name,
                    _("No user has the user name or employee number “%(value)s”.")
                    % {"value": text[name]},
                )
            elif actor is not None and not unit_in_scope(actor, person.org_unit):
                fail(name, _("This user is outside your scope."))
        values[name] = person
    if values["first_contact_owner"] is None and not text["first_contact_owner"]:
        if getattr(actor, "is_authenticated", False):
            values["first_contact_owner"] = actor
        else:
            fail("first_contact_owner", _("This field is required when no user runs the import."))
    return (None if problems else values), problems


def _rows_as_dicts(
    rows: list[list[Any]], positions: dict[str, int]
) -> Iterator[tuple[int, dict[str, Any]]]:
    for offset, row in enumerate(rows[1:], start=HEADER_ROW + 1):
        if all(_text(cell) == "" for cell in row):
            continue  # blank lines (often trailing in Excel) are not rows
        yield (
            offset,
            {name: (row[index] if index < len(row) else None) for name, index in positions.items()},
        )


# --- storing ---------------------------------------------------------------------------------


def _build_ticket(values: dict[str, Any], lookups: _Lookups, actor: Any) -> Ticket:
    status = values["status"]
    done = status in (TicketStatus.RESOLVED, TicketStatus.VERIFIED, TicketStatus.CLOSED)
    return Ticket(
        number=values["number"],
        kind=values["kind"],
        channel=values["channel"],
        category=values["category"],
        title=values["title"],
        description=values["description"],
        customer_name=values["customer_name"],
        customer_phone=values["customer_phone"],
        org_unit=values["org_unit"],
        first_contact_owner=values["first_contact_owner"],
        assignee=values["assignee"],
        impact=values["impact"],
        urgency=values["urgency"],
        priority=lookups.matrix.get((values["impact"], values["urgency"]), Priority.P3),
        status=status,
        service_error=values["service_error"],
        root_cause=values["root_cause"],
        resolution=values["resolution"],
        responded_at=values["responded_at"],
        resolved_at=values["resolved_at"],
        closed_at=values["closed_at"],
        resolved_by=(values["assignee"] or values["first_contact_owner"]) if done else None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _assign_numbers(tickets: list[Ticket]) -> None:
    """Generate numbers for the rows without one, on the day each ticket was registered; a
    generated number that an earlier import kept is skipped."""
    pending = [t for t in tickets if not t.number]
    kept = {t.number for t in tickets if t.number}
    while pending:
        for ticket in pending:
            ticket.number = numbering.next_number(NUMBER_PREFIX, now=ticket.created_at)
        clash = set(
            Ticket.objects.filter(number__in=[t.number for t in pending]).values_list(
                "number", flat=True
            )
        ) | (kept & {t.number for t in pending})
        pending = [t for t in pending if t.number in clash]


def _store(
    valid: list[dict[str, Any]], lookups: _Lookups, actor: Any, batch_id: str, source: str
) -> list[Ticket]:
    tickets = []
    created_times = []
    book, now = sla.PolicyBook(), timezone.now()
    for values in valid:
        ticket = _build_ticket(values, lookups, actor)
        # created_at is set on insert (auto_now_add); the real time is written back below.
        ticket.created_at = values["created_at"]
        sla.plan_imported(ticket, now, book)
        created_times.append(values["created_at"])
        tickets.append(ticket)
    _assign_numbers(tickets)
    Ticket.objects.bulk_create(tickets, batch_size=BATCH)
    for ticket, moment in zip(tickets, created_times, strict=True):
        ticket.created_at = moment
    Ticket.objects.bulk_update(tickets, ["created_at"], batch_size=BATCH)
    events = [
        TicketEvent(
            ticket=ticket,
            actor=ticket.created_by,
            event_type=EventType.CREATED,
            to_status=ticket.status,
            message=_("Imported from %(source)s.") % {"source": source},
            data={"import": batch_id},
        )
        for ticket in tickets
    ]
    TicketEvent.objects.bulk_create(events, batch_size=BATCH)
    for event, ticket in zip(events, tickets, strict=True):
        event.created_at = ticket.created_at
    TicketEvent.objects.bulk_update(events, ["created_at"], batch_size=BATCH)
    return tickets


def import_tickets(
    name: str,
    data: bytes,
    *,
    actor: Any,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Validate every row of the file, then import (see the module's docstring).

    `actor` None means a system import (management command without --user): no scope limit,
    and each row must name its first-contact owner. `progress(checked, rows)` is called as the
    rows are checked.
    """
    result = ImportResult(dry_run=dry_run)
    try:
        rows = read_rows(name, data)
    except ImportFileError as error:
        result.problems.append(Problem(0, "file", str(error)))
        return result
    if not rows:
        result.problems.append(Problem(0, "file", _("The file is empty.")))
        return result
    positions, header_problems = map_header(rows[0])
    # An unknown column is a warning; a missing required one stops the import.
    fatal = [p for p in header_problems if p.field in COLUMNS]
    result.problems.extend(header_problems)
    if fatal:
        return result
    records = list(_rows_as_dicts(rows, positions))
    result.rows = len(records)
    if result.rows > MAX_ROWS:
        result.problems.append(
            Problem(0, "file", _("At most %(max)d rows per import.") % {"max": MAX_ROWS})
        )
        return result
    if not records:
        result.problems.append(Problem(0, "file", _("The file has no data rows.")))
        return result

    lookups = _Lookups(actor, [{k: _text(v) for k, v in raw.items()} for _line, raw in records])
    now = timezone.now()
    seen: set[str] = set()
    valid: list[dict[str, Any]] = []
    for checked, (line, raw) in enumerate(records, start=1):
        values, problems = _validate_row(
            line, raw, actor=actor, lookups=lookups, seen_numbers=seen, now=now
        )
        result.problems.extend(problems)
        if values is not None:
            valid.append(values)
        if progress is not None and (checked % BATCH == 0 or checked == result.rows):
            progress(checked, result.rows)
    # skipped counts the invalid rows; with problems and no skip_invalid nothing is stored.
    result.skipped = result.rows - len(valid)
    if dry_run or not valid or (result.skipped and not skip_invalid):
        return result

    batch_id = uuid.uuid4().hex
    source = os.path.basename(name)[:100]
    with transaction.atomic():
        tickets = _store(valid, lookups, actor, batch_id, source)
        result.imported = len(tickets)
        result.numbers = [t.number for t in tickets]
        audit.record(
            AuditAction.CREATE,
            actor=actor,
            object_type="servicedesk.ticketimport",
            object_id=batch_id,
            object_repr=source,
            org_unit=getattr(actor, "org_unit", None),
            after={
                "file": source,
                "rows": result.rows,
                "imported": result.imported,
                "skipped": result.skipped,
                "skip_invalid": skip_invalid,
                "first_number": result.numbers[0],
                "last_number": result.numbers[-1],
                "open": sum(1 for t in tickets if t.status in OPEN_STATUSES),
            },
        )
    return result


def template_csv() -> bytes:
    """An empty import file with the header row (UTF-8 with BOM, so Excel reads it right)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(list(COLUMNS))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def problems_as_rows(problems: Iterable[Problem]) -> list[tuple[int, str, str]]:
    return [(p.row, p.field, p.message) for p in problems]
