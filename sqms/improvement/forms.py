"""Forms of the improvement UI: open an action, edit its plan, take a step, report progress,
record the effectiveness check. They parse input; the rules are the services'."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_scope_filter
from sqms.improvement.choices import (
    FISHBONE_CATEGORIES,
    WHY_FIELDS,
    ActionSource,
    Direction,
    Verdict,
)
from sqms.improvement.indicators import indicator_choices
from sqms.improvement.transitions import STEP_LABELS, TRANSITIONS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


def scoped_users(user: Any) -> Any:
    return (
        User.objects.filter(unit_scope_filter(user, "org_unit"), is_active=True)
        .select_related("org_unit")
        .order_by("username")
    )


def scoped_units(user: Any) -> Any:
    return OrgUnit.objects.filter(unit_scope_filter(user, None), is_active=True).order_by("path")


class OpenActionForm(BootstrapFormMixin, forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=ActionSource.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem statement"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    org_unit = UnitChoiceField(
        label=_("Org unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("Left empty: the source record's unit, else yours."),
    )
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE, required=False)
    source_type = forms.CharField(widget=forms.HiddenInput, required=False)
    source_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = scoped_units(user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = scoped_users(user)  # type: ignore[attr-defined]


class PlanForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem statement"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    why_1 = forms.CharField(label=_("Why 1"), required=False)
    why_2 = forms.CharField(label=_("Why 2"), required=False)
    why_3 = forms.CharField(label=_("Why 3"), required=False)
    why_4 = forms.CharField(label=_("Why 4"), required=False)
    why_5 = forms.CharField(label=_("Why 5"), required=False)
    cause_people = forms.CharField(label=_("People"), required=False)
    cause_equipment = forms.CharField(label=_("Equipment and systems"), required=False)
    cause_materials = forms.CharField(label=_("Materials and information"), required=False)
    cause_method = forms.CharField(label=_("Method and process"), required=False)
    cause_environment = forms.CharField(label=_("Environment"), required=False)
    cause_measurement = forms.CharField(label=_("Measurement"), required=False)
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    goal = forms.CharField(
        label=_("Goal"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    indicator_code = forms.ChoiceField(label=_("Indicator"), required=False)
    target_value = forms.DecimalField(
        label=_("Target value"), required=False, max_digits=12, decimal_places=4
    )
    target_direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    baseline_value = forms.DecimalField(
        label=_("Baseline value"), required=False, max_digits=12, decimal_places=4
    )
    measures = forms.CharField(
        label=_("Measures"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    team = UsersChoiceField(
        label=_("Team"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE, required=False)
    check_due_on = forms.DateField(label=_("Effectiveness check on"), widget=DATE, required=False)

    WHY_FIELDS = WHY_FIELDS
    FISHBONE_FIELDS = tuple(name for name, _label in FISHBONE_CATEGORIES)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator_code"].choices = [  # type: ignore[attr-defined]
            ("", _("— none —")),
            *indicator_choices(),
        ]
        self.fields["owner"].queryset = scoped_users(user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = scoped_users(user)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, action: Any) -> dict[str, Any]:
        initial = {name: getattr(action, name) for name in cls.base_fields if name != "team"}
        initial["owner"] = action.owner_id
        initial["team"] = [member.pk for member in action.team.all()]
        return initial


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=[(step, STEP_LABELS[step]) for step in TRANSITIONS])
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProgressForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    progress = forms.IntegerField(
        label=_("Progress (%)"), required=False, min_value=0, max_value=100
    )


class CheckForm(BootstrapFormMixin, forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        required=False,
        choices=[("", _("Accept the proposed verdict")), *Verdict.choices],
    )
    measured_value = forms.DecimalField(
        label=_("Measured value"),
        required=False,
        max_digits=12,
        decimal_places=4,
        help_text=_("Used when the goal names no indicator or the indicator has no data."),
    )
    period_start = forms.DateField(label=_("Period start"), widget=DATE, required=False)
    period_end = forms.DateField(label=_("Period end"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
