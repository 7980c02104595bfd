"""Forms of the emergency UI: they parse input; the services check the rules.

A plan version's structured parts are edited as lines of fields separated by “|”, which a
duty officer can write and read without any tooling.
"""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_scope_filter
from sqms.emergency.choices import (
    DrillType,
    EventType,
    IncidentLevel,
    NoticeAudience,
    ReviewActionKind,
    TimelineKind,
)
from sqms.emergency.models import DrillProgramme, EmergencyPlan
from sqms.servicedesk.models import Category

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def units_for(user: Any) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(unit_scope_filter(user, None), is_active=True).order_by("path")


def people_for(user: Any) -> QuerySet[User]:
    return User.objects.filter(unit_scope_filter(user, "org_unit"), is_active=True).order_by(
        "username"
    )


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name} ({obj.get_username()})"


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"


# --- incidents ---------------------------------------------------------------------------------


class ReportForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("What happened"), max_length=200)
    org_unit = UnitChoiceField(label=_("Org unit affected"), queryset=OrgUnit.objects.none())
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    detected_at = LocalDateTimeField(
        label=_("Detected at"), required=False, help_text=_("Leave empty for now.")
    )
    event_type = forms.ChoiceField(
        label=_("Event type (if known)"), required=False, choices=[("", "—"), *EventType.choices]
    )
    customer_facing = forms.BooleanField(label=_("Customers are affected"), required=False)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[("ui", _("Reported in sqms")), ("alert", _("Early-warning alert"))],
        initial="ui",
    )
    source_reference = forms.CharField(
        label=_("Alert or reference number"), required=False, max_length=100
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = units_for(user)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        if user.org_unit_id:
            self.fields["org_unit"].initial = user.org_unit_id


class AssessForm(BootstrapFormMixin, forms.Form):
    event_type = forms.ChoiceField(label=_("Event type"), choices=EventType.choices)
    level = forms.TypedChoiceField(label=_("Level"), choices=IncidentLevel.choices, coerce=int)
    customer_facing = forms.BooleanField(label=_("Customer-facing outage"), required=False)
    note = forms.CharField(
        label=_("Assessment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LevelForm(BootstrapFormMixin, forms.Form):
    level = forms.TypedChoiceField(label=_("New level"), choices=IncidentLevel.choices, coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class RestoreForm(BootstrapFormMixin, forms.Form):
    restored_at = LocalDateTimeField(
        label=_("Restored at"), required=False, help_text=_("Leave empty for now.")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class TimelineForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (k, TimelineKind(k).label) for k in ("action", "decision", "status_update", "detection")
        ],
    )
    message = forms.CharField(label=_("What happened"), max_length=2000)
    occurred_at = LocalDateTimeField(
        label=_("When"), required=False, help_text=_("Leave empty for now; never in the future.")
    )


class NoticeForm(BootstrapFormMixin, forms.Form):
    audience = forms.ChoiceField(label=_("Audience"), choices=NoticeAudience.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}))


class LinkTicketsForm(BootstrapFormMixin, forms.Form):
    start = LocalDateTimeField(label=_("Registered from"))
    end = LocalDateTimeField(
        label=_("Registered until"), required=False, help_text=_("Leave empty for now.")
    )
    category: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Problem type"), queryset=Category.objects.none(), required=False
    )
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)
    pause_sla = forms.BooleanField(
        label=_("Request an SLA pause for these tickets"), required=False
    )
    pause_reason = forms.CharField(
        label=_("Reason for the SLA pause"), required=False, max_length=300
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("path")  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units_for(user)  # type: ignore[attr-defined]


class ReviewForm(BootstrapFormMixin, forms.Form):
    what_happened = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    impact_customers = forms.IntegerField(label=_("Customers affected"), min_value=0)
    impact_tickets = forms.IntegerField(label=_("Tickets affected"), min_value=0)
    impact_minutes = forms.IntegerField(label=_("Outage (minutes)"), min_value=0)
    timeline_summary = forms.CharField(
        label=_("Timeline"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    went_well = forms.CharField(
        label=_("What went well"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    to_change = forms.CharField(
        label=_("What to change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewActionForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReviewActionKind.choices)
    title = forms.CharField(label=_("Action"), max_length=200)
    detail = forms.CharField(label=_("Detail"), required=False, max_length=2000)
    owner = PersonField(label=_("Owner"), queryset=User.objects.none(), required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_for(user)  # type: ignore[attr-defined]


# --- plans ---------------------------------------------------------------------------------------


def _cells(line: str, count: int) -> list[str]:
    parts = [part.strip() for part in line.split("|")]
    if len(parts) > count:
        parts = [*parts[: count - 1], " | ".join(parts[count - 1 :])]
    return parts + [""] * (count - len(parts))


def _level(text: str) -> Any:
    text = text.strip().upper()
    return ROMAN.get(text, text)


def _levels(text: str) -> list[int]:
    result = []
    for piece in text.replace("，", ",").split(","):
        value = _level(piece)
        if isinstance(value, str):
            value = int(value) if value.isdigit() else -1
        if piece.strip():
            result.append(value)
    return result


def lines_to_rows(kind: str, text: str) -> list[dict[str, Any]]:
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if kind == "grading":
            level, criteria, examples = _cells(line, 3)
            rows.append({"level": _level(level), "criteria": criteria, "examples": examples})
        elif kind == "roles":
            code, name, position, role = _cells(line, 4)
            rows.append({"code": code, "name": name, "position": position, "role": role})
        elif kind == "steps":
            phase, levels, role, minutes, title = _cells(line, 5)
            rows.append(
                {
                    "phase": phase,
                    "levels": _levels(levels),
                    "role": role,
                    "target_minutes": minutes,
                    "title": title,
                }
            )
        elif kind == "resources":
            kind_, name, detail = _cells(line, 3)
            rows.append({"kind": kind_, "name": name, "detail": detail})
        elif kind == "templates":
            audience, title, body = _cells(line, 3)
            rows.append({"audience": audience, "title": title, "body": body})
    return rows


def rows_to_lines(kind: str, rows: list[dict[str, Any]]) -> str:
    order = {
        "grading": ["level", "criteria", "examples"],
        "roles": ["code", "name", "position", "role"],
        "steps": ["phase", "levels", "role", "target_minutes", "title"],
        "resources": ["kind", "name", "detail"],
        "templates": ["audience", "title", "body"],
    }[kind]
    lines = []
    for row in rows:
        cells = []
        for key in order:
            value = row.get(key, "")
            if key == "levels":
                value = ",".join(str(v) for v in value)
            cells.append(str(value))
        lines.append(" | ".join(cells))
    return "\n".join(lines)


STRUCTURED_HELP = {
    "grading": _("One line per level: level (1–4) | criteria | examples"),
    "roles": _("One line per role: code | name | position | sqms role that fills it by default"),
    "steps": _(
        "One line per step: phase (report, assess, activate, respond, inform, recover, review) "
        "| levels (e.g. 1,2) | role code | target minutes | step"
    ),
    "resources": _("One line per resource: kind | name | where / how to reach"),
    "templates": _("One line per template: audience (staff or public) | title | text"),
}


class PlanForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    event_type = forms.ChoiceField(label=_("Event type"), choices=EventType.choices)
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    owner = PersonField(label=_("Owner"), queryset=User.objects.none(), required=False)
    review_interval_months = forms.IntegerField(
        label=_("Review every (months)"), min_value=1, max_value=60, initial=12
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units_for(user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people_for(user)  # type: ignore[attr-defined]


class VersionForm(BootstrapFormMixin, forms.Form):
    summary = forms.CharField(
        label=_("Purpose and scope"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    grading = forms.CharField(
        label=_("Grading criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=STRUCTURED_HELP["grading"],
    )
    roles = forms.CharField(
        label=_("Organisation and roles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=STRUCTURED_HELP["roles"],
    )
    steps = forms.CharField(
        label=_("Steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=STRUCTURED_HELP["steps"],
    )
    resources = forms.CharField(
        label=_("Resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=STRUCTURED_HELP["resources"],
    )
    templates = forms.CharField(
        label=_("Communication templates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=STRUCTURED_HELP["templates"],
    )
    revision_note = forms.CharField(
        label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    effective_on = forms.DateField(label=_("Effective from"), required=False, widget=DateInput)
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DateInput)

    @classmethod
    def initial_for(cls, version: Any) -> dict[str, Any]:
        initial = {key: rows_to_lines(key, getattr(version, key)) for key in STRUCTURED_HELP}
        initial.update(
            summary=version.summary,
            revision_note=version.revision_note,
            effective_on=version.effective_on,
            next_review_on=version.next_review_on,
        )
        return initial

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in STRUCTURED_HELP:
            data[key] = lines_to_rows(key, data.get(key, ""))
        return data


class ApproveForm(BootstrapFormMixin, forms.Form):
    effective_on = forms.DateField(
        label=_("Effective from"), required=False, widget=DateInput, initial=timezone.localdate
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DateInput)


# --- drills ---------------------------------------------------------------------------------


class ProgrammeForm(BootstrapFormMixin, forms.Form):
    plan = forms.ModelChoiceField(
        label=pgettext_lazy("emergency", "Plan"), queryset=EmergencyPlan.objects.none()
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    drill_type = forms.ChoiceField(label=_("Drill type"), choices=DrillType.choices)
    interval_months = forms.IntegerField(
        label=_("Every (months)"), min_value=1, max_value=60, initial=6
    )
    next_due_on = forms.DateField(label=_("Next due"), widget=DateInput)
    owner = PersonField(label=_("Owner"), queryset=User.objects.none())
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people_for(user)  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units_for(user)  # type: ignore[attr-defined]


class DrillForm(BootstrapFormMixin, forms.Form):
    plan = forms.ModelChoiceField(
        label=pgettext_lazy("emergency", "Plan"), queryset=EmergencyPlan.objects.none()
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"), required=False, queryset=DrillProgramme.objects.none()
    )
    drill_type = forms.ChoiceField(label=_("Drill type"), choices=DrillType.choices)
    scenario = forms.CharField(label=_("Scenario"), widget=forms.Textarea(attrs={"rows": 3}))
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    customer_facing = forms.BooleanField(
        label=_("Practise a customer-facing outage"), required=False
    )

    def __init__(self, *args: Any, user: Any, plans: Any, programmes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units_for(user)  # type: ignore[attr-defined]
        if user.org_unit_id:
            self.fields["org_unit"].initial = user.org_unit_id


class CriticalServiceForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    mtpd_minutes = forms.IntegerField(label=_("Maximum tolerable outage (min)"), min_value=1)
    rto_minutes = forms.IntegerField(label=_("Recovery time objective (min)"), min_value=1)
    dependencies = forms.CharField(
        label=_("Dependencies"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One line each: kind (system, site, supplier) | name"),
    )
    plans = forms.ModelMultipleChoiceField(
        label=_("Plans"), required=False, queryset=EmergencyPlan.objects.none()
    )
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, user: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plans"].queryset = plans  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units_for(user)  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        rows = []
        for line in (data.get("dependencies") or "").splitlines():
            if line.strip():
                kind, name = _cells(line, 2)
                rows.append({"kind": kind, "name": name})
        data["dependencies"] = rows
        return data
