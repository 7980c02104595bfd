"""Forms asking for a recomputation (the unit must lie in the user's scope)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.analysis.choices import PeriodKind
from sqms.core.forms import style_widgets
from sqms.core.models import OrgUnit


class _UnitForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org_unit"]
        field.queryset = OrgUnit.objects.visible_to(user).order_by("path")
        style_widgets(self)


class HotspotForm(_UnitForm):
    period_kind = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.MONTH
    )
    day = forms.DateField(
        label=_("A day in the period"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    baseline_periods = forms.IntegerField(
        label=_("Baseline periods"), min_value=1, max_value=12, initial=3
    )


class SegmentationForm(_UnitForm):
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, max_value=2**31 - 1, initial=42)


class AssociationForm(_UnitForm):
    first = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    min_support = forms.FloatField(
        label=_("Minimum support"), min_value=0.001, max_value=1, initial=0.05
    )
    min_confidence = forms.FloatField(
        label=_("Minimum confidence"), min_value=0.01, max_value=1, initial=0.3
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            self.add_error("last", _("The period ends before it starts."))
        return data


class ForecastForm(_UnitForm):
    weeks = forms.IntegerField(label=_("Weeks of history"), min_value=8, max_value=104, initial=16)
