"""Filters of the risk register and of Monte Carlo runs, shared by the UI lists and the API."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import OrgUnit
from sqms.risk.choices import QualityFlag, RiskCategory, RiskStatus, RunStatus, Treatment
from sqms.risk.flags import filter_flag
from sqms.risk.models import MonteCarloRun, Risk

# A matrix cell's coordinates are small integers in the database: a larger number is refused
# (400) instead of overflowing the database driver.
SCALE = {"min_value": 0, "max_value": 32767}

LEVEL_CHOICES = [
    ("low", _("Low")),
    ("medium", _("Medium")),
    ("high", _("High")),
    ("extreme", _("Extreme")),
]


class RiskFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    category = django_filters.ChoiceFilter(choices=RiskCategory.choices, label=_("Category"))
    status = django_filters.ChoiceFilter(choices=RiskStatus.choices, label=_("Status"))
    treatment = django_filters.ChoiceFilter(choices=Treatment.choices, label=_("Treatment"))
    residual_level = django_filters.ChoiceFilter(choices=LEVEL_CHOICES, label=_("Residual level"))
    org_unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(), method="in_unit", label=_("Org unit")
    )
    flag = django_filters.ChoiceFilter(
        choices=QualityFlag.choices, method="with_flag", label=_("Quality check")
    )
    matrix = django_filters.CharFilter(field_name="matrix__code", widget=forms.HiddenInput)
    inherent_probability = django_filters.NumberFilter(widget=forms.HiddenInput, **SCALE)
    inherent_impact = django_filters.NumberFilter(widget=forms.HiddenInput, **SCALE)
    residual_probability = django_filters.NumberFilter(widget=forms.HiddenInput, **SCALE)
    residual_impact = django_filters.NumberFilter(widget=forms.HiddenInput, **SCALE)

    class Meta:
        model = Risk
        fields = ["q", "category", "status", "treatment", "residual_level", "org_unit", "flag"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.filters["org_unit"].queryset = OrgUnit.objects.visible_to(user)
            self.form.fields["org_unit"].queryset = OrgUnit.objects.visible_to(user)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(affected_services__icontains=value)
        )

    def in_unit(self, queryset: QuerySet, name: str, value: OrgUnit | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(org_unit__path__startswith=value.path)

    def with_flag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return filter_flag(queryset, value, timezone.localdate())


class MonteCarloRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, label=_("Status"))

    class Meta:
        model = MonteCarloRun
        fields = ["status"]
