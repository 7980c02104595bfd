"""The filters of the action list, shared by the UI list, the board, the export and the API."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_scope_filter
from sqms.improvement.choices import OPEN_STAGES, ActionSource, Stage
from sqms.improvement.models import ImprovementAction


class ImprovementActionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    org_unit = django_filters.ModelChoiceFilter(
        label=_("Org unit (with the units below)"),
        queryset=OrgUnit.objects.none(),
        method="filter_unit",
    )
    source = django_filters.MultipleChoiceFilter(label=_("Source"), choices=ActionSource.choices)
    stage = django_filters.MultipleChoiceFilter(label=_("PDCA stage"), choices=Stage.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("open", _("Open")), ("overdue", _("Overdue")), ("finished", _("Finished"))],
        method="filter_status",
    )
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())
    deadline_before = django_filters.DateFilter(
        label=_("Deadline on or before"), field_name="deadline", lookup_expr="lte"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Owners to choose from: the users the requesting user can see.
        user = getattr(self.request, "user", None)
        if user is not None:
            self.filters["owner"].queryset = User.objects.filter(
                unit_scope_filter(user, "org_unit")
            ).order_by("username")
            self.filters["org_unit"].queryset = OrgUnit.objects.filter(
                unit_scope_filter(user, None)
            ).order_by("path")

    class Meta:
        model = ImprovementAction
        fields = ["q", "org_unit", "source", "stage", "status", "owner", "deadline_before"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(source_label__icontains=value)
        )

    def filter_unit(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(org_unit__path__startswith=value.path)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(stage__in=OPEN_STAGES)
        if value == "overdue":
            return queryset.filter(stage__in=OPEN_STAGES, deadline__lt=timezone.localdate())
        if value == "finished":
            return queryset.exclude(stage__in=OPEN_STAGES)
        return queryset
