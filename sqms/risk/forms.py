"""UI forms of the risk register; the services check the rules, the forms the input's shape."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField, style_widgets
from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_scope_filter
from sqms.risk.choices import (
    ControlKind,
    ControlStatus,
    Effectiveness,
    FrequencyModel,
    LossUnit,
    RiskCategory,
    Treatment,
)
from sqms.risk.models import DEFAULT_ITERATIONS, RATINGS, Risk, RiskMatrix
from sqms.risk.simulation import MAX_ITERATIONS, MIN_ITERATIONS


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


def people(user: Any) -> QuerySet[User]:
    """Active users within `user`'s scope, plus `user`."""
    return (
        User.objects.filter(Q(unit_scope_filter(user, "org_unit")) | Q(pk=user.pk))
        .filter(is_active=True)
        .order_by("username")
    )


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


RATING_LABELS = {
    "inherent_probability": _("Inherent probability"),
    "inherent_impact": _("Inherent impact"),
    "current_probability": _("Current probability"),
    "current_impact": _("Current impact"),
    "residual_probability": _("Residual probability"),
    "residual_impact": _("Residual impact"),
}
RATING_HELP = {
    "inherent": _("Before any control."),
    "current": _("With the controls in place today."),
    "residual": _("Expected once the planned treatment is done."),
}


def rating_fields(form: forms.Form, matrix: RiskMatrix, names: list[str]) -> None:
    for name in names:
        rating, axis = name.split("_")
        choices = matrix.probability_choices() if axis == "probability" else matrix.impact_choices()
        form.fields[name] = forms.TypedChoiceField(
            label=RATING_LABELS[name],
            choices=choices,
            coerce=int,
            help_text=RATING_HELP[rating] if axis == "probability" else "",
        )


class RiskForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none())
    description = forms.CharField(label=_("Description"), required=False, widget=text_area())
    cause = forms.CharField(label=_("Cause"), required=False, widget=text_area(2))
    consequence = forms.CharField(label=_("Consequence"), required=False, widget=text_area(2))
    affected_services = forms.CharField(
        label=_("Affected services"), max_length=300, required=False
    )
    affected_units = forms.ModelMultipleChoiceField(
        label=_("Affected units"), queryset=OrgUnit.objects.none(), required=False
    )
    treatment = forms.ChoiceField(label=_("Treatment"), choices=Treatment.choices)
    treatment_plan = forms.CharField(label=_("Treatment plan"), required=False, widget=text_area(2))
    review_due = forms.DateField(label=_("Next review due"), required=False, widget=date_input())
    annual_probability = forms.DecimalField(
        label=_("Annual probability"),
        required=False,
        min_value=0,
        max_value=1,
        decimal_places=4,
        help_text=_("Chance (0–1) that it happens in a year; for Monte Carlo."),
    )
    loss_low = forms.IntegerField(
        label=_("Loss per event, 5th percentile"), required=False, min_value=0
    )
    loss_high = forms.IntegerField(
        label=_("Loss per event, 95th percentile"),
        required=False,
        min_value=0,
        # xgettext:no-python-format
        help_text=_("Together with the 5th percentile: a 90% interval of one event's loss."),
    )
    loss_unit = forms.ChoiceField(label=_("Loss unit"), choices=LossUnit.choices)

    def __init__(self, *args: Any, user: Any, matrix: RiskMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        units = OrgUnit.objects.visible_to(user)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["affected_units"].queryset = units  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people(user)  # type: ignore[attr-defined]
        rating_fields(self, matrix, list(RATING_LABELS))
        style_widgets(self)  # the rating fields came after the mixin styled the others

    @staticmethod
    def initial_for(risk: Risk) -> dict[str, Any]:
        names = [
            "title", "category", "org_unit", "owner", "description", "cause", "consequence",
            "affected_services", "treatment", "treatment_plan", "review_due",
            "annual_probability", "loss_low", "loss_high", "loss_unit",
            *(f"{r}_{a}" for r in RATINGS for a in ("probability", "impact")),
        ]  # fmt: skip
        initial = {name: getattr(risk, name) for name in names}
        initial["org_unit"] = risk.org_unit_id
        initial["owner"] = risk.owner_id
        initial["affected_units"] = [u.pk for u in risk.affected_units.all()]
        return initial


class ControlForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Control"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ControlKind.choices)
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=date_input())
    status = forms.ChoiceField(label=_("Status"), choices=ControlStatus.choices)
    effectiveness = forms.ChoiceField(label=_("Effectiveness"), choices=Effectiveness.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=text_area(2))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people(user)  # type: ignore[attr-defined]


class ControlUpdateForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ControlStatus.choices)
    effectiveness = forms.ChoiceField(label=_("Effectiveness"), choices=Effectiveness.choices)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=date_input())


class AcceptanceForm(BootstrapFormMixin, forms.Form):
    approver = UserChoiceField(label=_("Approver"), queryset=User.objects.none())
    expires_on = forms.DateField(label=_("Expires on"), widget=date_input())
    rationale = forms.CharField(label=_("Rationale"), widget=text_area(2))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Those who may approve: the service also checks that they cover the risk's unit.
        approvers = (
            User.objects.filter(is_active=True)
            .filter(
                Q(groups__permissions__codename="approve_riskacceptance")
                | Q(user_permissions__codename="approve_riskacceptance")
                | Q(is_superuser=True)
            )
            .distinct()
            .order_by("username")
        )
        self.fields["approver"].queryset = approvers  # type: ignore[attr-defined]


class ReviewForm(BootstrapFormMixin, forms.Form):
    notes = forms.CharField(label=_("Review notes"), widget=text_area(2))
    next_review_due = forms.DateField(label=_("Next review due"), widget=date_input())

    def __init__(self, *args: Any, matrix: RiskMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = ["current_probability", "current_impact", "residual_probability", "residual_impact"]
        rating_fields(self, matrix, names)
        style_widgets(self)


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class MatrixImportForm(BootstrapFormMixin, forms.Form):
    document = forms.FileField(label=_("YAML or JSON file"), required=False)
    text = forms.CharField(
        label=_("…or paste the definition"), required=False, widget=text_area(14)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("document")
        if upload:
            if upload.size > 100_000:
                raise forms.ValidationError(_("The file is too large."))
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as error:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Upload a file or paste a definition."))
        return data


class RiskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} {obj.title}"


class SimulationForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    risks = RiskChoiceField(
        label=_("Risks"),
        queryset=Risk.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only risks with an annual probability and a loss interval are listed."),
    )
    frequency_model = forms.ChoiceField(label=_("Frequency model"), choices=FrequencyModel.choices)
    iterations = forms.IntegerField(
        label=_("Iterations"),
        initial=DEFAULT_ITERATIONS,
        min_value=MIN_ITERATIONS,
        max_value=MAX_ITERATIONS,
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text=_("The same seed gives the same figures; leave empty for a random one."),
    )

    def __init__(self, *args: Any, user: Any, risks: QuerySet[Risk], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["risks"].queryset = risks  # type: ignore[attr-defined]


# The parts of each kind of level a person edits on the matrix page (risk levels have a colour).
LEVEL_TEXT_FIELDS = ("name", "name_en", "description")


class MatrixEditForm(BootstrapFormMixin, forms.Form):
    """Names, descriptions and colours of a matrix and its levels; the grid too while no risk is
    rated on the matrix. Fields are built from the matrix: `p1_name`, `i2_description`,
    `r3_colour`, `cell_2_3` (probability 2, impact 3)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=text_area(3)
    )

    def __init__(self, *args: Any, matrix: RiskMatrix, grid_editable: bool, **kwargs: Any) -> None:
        self.matrix = matrix
        self.grid_editable = grid_editable
        kwargs.setdefault(
            "initial",
            {"name": matrix.name, "name_en": matrix.name_en, "description": matrix.description},
        )
        super().__init__(*args, **kwargs)
        for prefix, levels in self.level_groups():
            for number, level in enumerate(levels, start=1):
                self._level_fields(prefix, number, level)
        if grid_editable:
            choices = [(level["code"], level.get("name", "")) for level in matrix.risk_levels]
            for p, row in enumerate(matrix.grid, start=1):
                for i, code in enumerate(row, start=1):
                    self.fields[f"cell_{p}_{i}"] = forms.ChoiceField(
                        label=f"{p} × {i}", choices=choices, initial=code
                    )
        style_widgets(self)

    def level_groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [
            ("p", self.matrix.probability_levels),
            ("i", self.matrix.impact_levels),
            ("r", self.matrix.risk_levels),
        ]

    def _level_fields(self, prefix: str, number: int, level: dict[str, Any]) -> None:
        key = f"{prefix}{number}_"
        self.fields[key + "name"] = forms.CharField(
            label=_("Name"), max_length=60, initial=level.get("name", "")
        )
        self.fields[key + "name_en"] = forms.CharField(
            label=_("English name"), max_length=60, required=False, initial=level.get("name_en")
        )
        self.fields[key + "description"] = forms.CharField(
            label=_("Description"),
            max_length=300,
            required=False,
            initial=level.get("description", ""),
        )
        if prefix == "r":
            self.fields[key + "colour"] = forms.RegexField(
                label=_("Colour"),
                regex=r"^#[0-9a-fA-F]{6}$",
                error_messages={"invalid": _("A colour is written #rrggbb.")},
                initial=level.get("colour") or "#6c757d",
                widget=forms.TextInput(attrs={"type": "color"}),
            )

    def rows(self) -> list[dict[str, Any]]:
        """The level fields grouped for the template: one row per level."""
        titles = {"p": _("Probability"), "i": _("Impact"), "r": _("Risk levels")}
        groups = []
        for prefix, levels in self.level_groups():
            rows = []
            for number, level in enumerate(levels, start=1):
                key = f"{prefix}{number}_"
                rows.append(
                    {
                        "number": number,
                        "code": level.get("code", ""),
                        "fields": [
                            self[key + part]
                            for part in (*LEVEL_TEXT_FIELDS, "colour")
                            if key + part in self.fields
                        ],
                    }
                )
            groups.append({"title": titles[prefix], "rows": rows})
        return groups

    def grid_rows(self) -> list[list[Any]]:
        if not self.grid_editable:
            return []
        size_p, size_i = len(self.matrix.probability_levels), len(self.matrix.impact_levels)
        return [[self[f"cell_{p}_{i}"] for i in range(1, size_i + 1)] for p in range(size_p, 0, -1)]

    def definition(self) -> dict[str, Any]:
        """The edited definition for `matrices.update_matrix`."""
        data = self.cleaned_data
        edited: dict[str, Any] = {
            "name": data["name"],
            "name_en": data["name_en"],
            "description": data["description"],
        }
        for prefix, levels in self.level_groups():
            new_levels = []
            for number, level in enumerate(levels, start=1):
                key = f"{prefix}{number}_"
                changed = {part: data[key + part] for part in LEVEL_TEXT_FIELDS}
                if prefix == "r":
                    changed["colour"] = data[key + "colour"]
                new_levels.append({**level, **changed})
            field = {"p": "probability_levels", "i": "impact_levels", "r": "risk_levels"}[prefix]
            edited[field] = new_levels
        if self.grid_editable:
            edited["grid"] = [
                [data[f"cell_{p}_{i}"] for i in range(1, len(row) + 1)]
                for p, row in enumerate(self.matrix.grid, start=1)
            ]
        return edited
