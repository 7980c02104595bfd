"""Forms of the quality app: the period and slice pickers, targets, alerts, reports."""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit
from sqms.core.scope import sees_all_units
from sqms.quality.choices import Granularity
from sqms.quality.periods import Period, period_containing, today
from sqms.servicedesk.choices import Channel, TicketKind
from sqms.servicedesk.models import Category

MAX_CUSTOM_DAYS = 3 * 366


class PeriodForm(BootstrapFormMixin, forms.Form):
    """Which unit and period a page shows; invalid input falls back to the defaults."""

    unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)
    g = forms.ChoiceField(label=_("Period"), choices=Granularity.choices, required=False)
    d = forms.DateField(
        label=_("Date in the period"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, UnitChoiceField)  # noqa: S101 - narrows for mypy
        field.queryset = OrgUnit.objects.visible_to(user)
        field.empty_label = str(_("(all units I see)")) if sees_all_units(user) else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("g") == Granularity.CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("A custom period needs a start and an end."))
            if end < start:
                self.add_error("end", _("The end must not be before the start."))
            elif (end - start).days >= MAX_CUSTOM_DAYS:
                self.add_error("end", _("A custom period may span at most three years."))
        return data

    def period(self) -> Period:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        g = data.get("g") or Granularity.MONTH
        if g == Granularity.CUSTOM:
            return Period(data["start"], data["end"], Granularity.CUSTOM)
        return period_containing(g, data.get("d") or today())


class SliceForm(BootstrapFormMixin, forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), *TicketKind.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Problem type"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label="—",
    )


class TargetForm(BootstrapFormMixin, forms.Form):
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    target = forms.DecimalField(label=_("Target"), max_digits=10, decimal_places=2)
    alarm = forms.DecimalField(label=_("Alarm threshold"), max_digits=10, decimal_places=2)
    strict = forms.BooleanField(label=_("Strictly better than the target"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org_unit"]
        assert isinstance(field, UnitChoiceField)  # noqa: S101 - narrows for mypy
        field.queryset = OrgUnit.objects.visible_to(user)
        field.empty_label = str(_("(organisation-wide default)"))
        self.initial.setdefault("valid_from", datetime.date.today().replace(day=1))

    def clean_target(self) -> Decimal:
        value: Decimal = self.cleaned_data["target"]
        if value < 0:
            raise forms.ValidationError(_("A target cannot be negative."))
        return value


class AlertCloseForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("How it was handled"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AlertLinkForm(BootstrapFormMixin, forms.Form):
    improvement_action = forms.IntegerField(
        label=_("Improvement action number (ID)"), min_value=1, required=False
    )


class ReportForm(BootstrapFormMixin, forms.Form):
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=[(i, f"Q{i}") for i in range(1, 5)], coerce=int
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "中文"), ("en", "English")]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org_unit"]
        assert isinstance(field, UnitChoiceField)  # noqa: S101 - narrows for mypy
        field.queryset = OrgUnit.objects.visible_to(user)
        now = today()
        self.initial.setdefault("year", now.year)
        self.initial.setdefault("quarter", (now.month - 1) // 3 + 1)
        self.initial.setdefault("org_unit", user.org_unit)
