"""Forms of the inspections UI. They parse input; the rules are the services'."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit, User
from sqms.inspections.choices import INSPECTION_KINDS, Scoring, Severity, VersionStatus
from sqms.inspections.models import ChecklistItem, ChecklistSection, ChecklistVersion
from sqms.inspections.scope import inspection_scope_filter
from sqms.inspections.services import ScoreInput
from sqms.servicedesk.choices import TicketKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
NA = "na"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.template.display_name} v{obj.number}"


def scoped_users(user: Any) -> Any:
    return (
        User.objects.filter(inspection_scope_filter(user, "org_unit"), is_active=True)
        .select_related("org_unit")
        .order_by("username")
    )


def scoped_units(user: Any) -> Any:
    return OrgUnit.objects.filter(inspection_scope_filter(user, None), is_active=True).order_by(
        "path"
    )


class InspectionFieldsForm(BootstrapFormMixin, forms.Form):
    inspected_staff = UserChoiceField(
        label=_("Inspected staff"), queryset=User.objects.none(), required=False
    )
    planned_for = forms.DateField(label=_("Planned for"), widget=DATE, required=False)
    performed_at = forms.DateTimeField(label=_("Inspected at"), widget=DATETIME, required=False)
    scenario = forms.CharField(
        label=_("Scenario (mystery shopping)"), max_length=200, required=False
    )
    time_in = forms.DateTimeField(label=_("Time in"), widget=DATETIME, required=False)
    waiting_minutes = forms.IntegerField(
        label=_("Waiting (minutes)"), min_value=0, max_value=1440, required=False
    )
    handling_minutes = forms.IntegerField(
        label=_("Handling (minutes)"), min_value=0, max_value=1440, required=False
    )
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspected_staff"].queryset = scoped_users(user)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(inspection: Any) -> dict[str, Any]:
        return {
            name: getattr(inspection, name)
            for name in (
                "inspected_staff",
                "planned_for",
                "performed_at",
                "scenario",
                "time_in",
                "waiting_minutes",
                "handling_minutes",
                "summary",
            )
        }


class InspectionCreateForm(InspectionFieldsForm):
    version = VersionChoiceField(label=_("Checklist"), queryset=ChecklistVersion.objects.none())
    org_unit = UnitChoiceField(label=_("Inspected unit"), queryset=OrgUnit.objects.none())
    inspector = UserChoiceField(
        label=_("Inspector"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Left empty: you."),
    )

    field_order = ["version", "org_unit", "inspector", "inspected_staff", "planned_for"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["version"].queryset = (  # type: ignore[attr-defined]
            ChecklistVersion.objects.filter(
                status=VersionStatus.PUBLISHED,
                template__is_active=True,
                template__kind__in=list(INSPECTION_KINDS),
            )
            .select_related("template")
            .order_by("template__kind", "template__code")
        )
        self.fields["org_unit"].queryset = scoped_units(user)  # type: ignore[attr-defined]
        self.fields["inspector"].queryset = scoped_users(user)  # type: ignore[attr-defined]


def score_field_name(item: ChecklistItem) -> str:
    return f"item_{item.pk}"


class ScoreForm(forms.Form):
    """One radio group (0…top, and N/A where allowed) and a comment per item."""

    def __init__(
        self, *args: Any, items: list[ChecklistItem], required: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            choices: list[tuple[str, Any]] = [
                (str(value), str(value)) for value in item.score_choices()
            ]
            if item.scoring == Scoring.PASS_FAIL:
                choices = [("1", _("Pass")), ("0", _("Fail"))]
            if item.na_allowed:
                choices.append((NA, _("N/A")))
            self.fields[score_field_name(item)] = forms.ChoiceField(
                label=item.display_text,
                choices=choices,
                widget=forms.RadioSelect,
                required=required,
            )
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("Comment"), max_length=500, required=False
            )

    @staticmethod
    def initial_from(rows: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for row in rows:
            if row.not_applicable:
                initial[f"item_{row.item_id}"] = NA
            elif row.score is not None:
                initial[f"item_{row.item_id}"] = str(row.score)
            initial[f"comment_{row.item_id}"] = row.comment
        return initial

    def score_inputs(self) -> dict[int, ScoreInput]:
        scores: dict[int, ScoreInput] = {}
        for item in self.items:
            value = self.cleaned_data.get(score_field_name(item)) or ""
            comment = self.cleaned_data.get(f"comment_{item.pk}", "")
            if value == NA:
                scores[item.pk] = ScoreInput(not_applicable=True, comment=comment)
            elif value != "":
                scores[item.pk] = ScoreInput(score=int(value), comment=comment)
            elif comment:
                scores[item.pk] = ScoreInput(comment=comment)
        return scores

    def rows(self) -> list[dict[str, Any]]:
        """Items grouped by section, each with its bound fields, for the template."""
        sections: list[dict[str, Any]] = []
        for item in self.items:
            if not sections or sections[-1]["section"].pk != item.section_id:
                sections.append({"section": item.section, "items": []})
            sections[-1]["items"].append(
                {
                    "item": item,
                    "field": self[score_field_name(item)],
                    "comment": self[f"comment_{item.pk}"],
                }
            )
        return sections


class ReviewSubmitForm(ScoreForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, required=True, **kwargs)
        self.fields["service_error"] = forms.BooleanField(
            label=_("Service error (服务差错)"), required=False
        )
        self.fields["service_error_reason"] = forms.CharField(
            label=_("Reason for the service error"),
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            required=False,
        )
        self.fields["review_comment"] = forms.CharField(
            label=_("Comment"),
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            required=False,
        )


class ReviewDecisionForm(BootstrapFormMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Accept")), ("0", _("Send back"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class FindingForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    item = forms.ModelChoiceField(
        label=_("Item"), queryset=ChecklistItem.objects.none(), required=False
    )
    responsible = UserChoiceField(
        label=_("Responsible staff"), queryset=User.objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE, required=False)

    def __init__(self, *args: Any, user: Any, version: ChecklistVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ChecklistItem.objects.filter(version=version)  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = scoped_users(user)  # type: ignore[attr-defined]
        self.initial.setdefault("severity", Severity.MEDIUM)


class PhotoForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    item = forms.ModelChoiceField(
        label=_("Item"), queryset=ChecklistItem.objects.none(), required=False
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def __init__(self, *args: Any, version: ChecklistVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ChecklistItem.objects.filter(version=version)  # type: ignore[attr-defined]


class VersionForm(BootstrapFormMixin, forms.Form):
    pass_threshold = forms.DecimalField(
        label=_("Pass threshold (%)"), min_value=0, max_value=100, decimal_places=2
    )
    note = forms.CharField(
        label=_("Change note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ItemForm(BootstrapFormMixin, forms.Form):
    section = forms.ModelChoiceField(label=_("Section"), queryset=ChecklistSection.objects.none())
    text = forms.CharField(label=_("Item"), max_length=300)
    text_en = forms.CharField(label=_("Item (English)"), max_length=300, required=False)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=1)
    scoring = forms.ChoiceField(label=_("Scoring"), choices=Scoring.choices)
    max_score = forms.IntegerField(label=_("Maximum score"), min_value=1, max_value=100, initial=5)
    na_allowed = forms.BooleanField(label=_("N/A allowed"), required=False)
    critical = forms.BooleanField(label=_("Critical"), required=False)

    def __init__(self, *args: Any, version: ChecklistVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = ChecklistSection.objects.filter(version=version)  # type: ignore[attr-defined]


class PlanForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    org_unit = UnitChoiceField(
        label=_("Org unit (with the units below)"), queryset=OrgUnit.objects.none()
    )
    share_percent = forms.DecimalField(
        label=_("Share per agent (%)"), min_value=0, max_value=100, decimal_places=2, initial=5
    )
    include_low_satisfaction = forms.BooleanField(
        label=_("Also every complaint with low satisfaction"), required=False, initial=True
    )
    kinds = forms.MultipleChoiceField(
        label=_("Ticket kinds (none: all)"),
        choices=TicketKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=2_000_000_000, initial=1)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = scoped_units(user)  # type: ignore[attr-defined]


class DrawForm(BootstrapFormMixin, forms.Form):
    month = forms.DateField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    seed = forms.IntegerField(
        label=_("Seed (empty: the plan's)"), min_value=0, max_value=2_000_000_000, required=False
    )
