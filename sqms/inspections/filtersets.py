"""The filters of the inspection, finding and review lists (UI lists, exports and the API)."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sqms.core.filtersets import BooleanFilter
from sqms.core.models import OrgUnit, User
from sqms.inspections.choices import (
    INSPECTION_KINDS,
    InspectionStatus,
    ReviewReason,
    ReviewStatus,
    Severity,
)
from sqms.inspections.models import Finding, Inspection, TicketReview
from sqms.inspections.scope import inspection_scope_filter

RESULT_CHOICES = [("passed", _("Passed")), ("failed", _("Failed"))]


class ScopedChoicesMixin:
    """Unit and people choices limited to what the requesting user may see."""

    filters: dict[str, Any]
    request: Any
    people_filters: tuple[str, ...] = ()

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return
        self.filters["org_unit"].queryset = OrgUnit.objects.filter(
            inspection_scope_filter(user, None)
        ).order_by("path")
        people = User.objects.filter(inspection_scope_filter(user, "org_unit")).order_by("username")
        for name in self.people_filters:
            self.filters[name].queryset = people


def _subtree(queryset: QuerySet, name: str, value: Any) -> QuerySet:
    if value is None:
        return queryset
    return queryset.filter(org_unit__path__startswith=value.path)


class InspectionFilterSet(ScopedChoicesMixin, django_filters.FilterSet):
    people_filters = ("inspector",)

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    org_unit = django_filters.ModelChoiceFilter(
        label=_("Org unit (with the units below)"),
        queryset=OrgUnit.objects.none(),
        method=_subtree,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"),
        choices=[(k.value, k.label) for k in INSPECTION_KINDS],
        field_name="version__template__kind",
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=InspectionStatus.choices)
    inspector = django_filters.ModelChoiceFilter(label=_("Inspector"), queryset=User.objects.none())
    performed_after = django_filters.DateFilter(
        label=_("Inspected from"), field_name="performed_at__date", lookup_expr="gte"
    )
    performed_before = django_filters.DateFilter(
        label=_("Inspected until"), field_name="performed_at__date", lookup_expr="lte"
    )
    result = django_filters.ChoiceFilter(
        label=_("Result"), choices=RESULT_CHOICES, method="filter_result"
    )

    class Meta:
        model = Inspection
        fields = [
            "q",
            "org_unit",
            "kind",
            "status",
            "inspector",
            "performed_after",
            "performed_before",
            "result",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices()

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(summary__icontains=value) | Q(scenario__icontains=value)
        )

    def filter_result(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "passed":
            return queryset.filter(passed=True)
        if value == "failed":
            return queryset.filter(passed=False)
        return queryset


class FindingFilterSet(ScopedChoicesMixin, django_filters.FilterSet):
    people_filters = ("responsible",)

    org_unit = django_filters.ModelChoiceFilter(
        label=_("Org unit (with the units below)"),
        queryset=OrgUnit.objects.none(),
        method=_subtree,
    )
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    responsible = django_filters.ModelChoiceFilter(
        label=_("Responsible staff"), queryset=User.objects.none()
    )
    has_action = BooleanFilter(
        label=_("Has an improvement action"),
        field_name="improvement_action",
        lookup_expr="isnull",
        exclude=True,
    )

    class Meta:
        model = Finding
        fields = ["org_unit", "severity", "responsible", "has_action", "inspection"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices()


class ReviewFilterSet(ScopedChoicesMixin, django_filters.FilterSet):
    people_filters = ("reviewer", "agent")

    org_unit = django_filters.ModelChoiceFilter(
        label=_("Org unit (with the units below)"),
        queryset=OrgUnit.objects.none(),
        method=_subtree,
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReviewStatus.choices)
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=ReviewReason.choices)
    reviewer = django_filters.ModelChoiceFilter(label=_("Reviewer"), queryset=User.objects.none())
    agent = django_filters.ModelChoiceFilter(label=_("Agent"), queryset=User.objects.none())
    mine = BooleanFilter(label=_("Assigned to me"), method="filter_mine")
    service_error = BooleanFilter(label=_("Service error"))
    reviewed_after = django_filters.DateFilter(
        label=_("Reviewed from"), field_name="reviewed_at__date", lookup_expr="gte"
    )
    reviewed_before = django_filters.DateFilter(
        label=_("Reviewed until"), field_name="reviewed_at__date", lookup_expr="lte"
    )

    class Meta:
        model = TicketReview
        fields = [
            "mine",
            "status",
            "org_unit",
            "reason",
            "reviewer",
            "agent",
            "service_error",
            "plan",
            "reviewed_after",
            "reviewed_before",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices()

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(Q(reviewer=user) | Q(reviewer__isnull=True))
