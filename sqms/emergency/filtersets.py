"""FilterSets of emergency response, shared by the UI lists and the REST API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from sqms.core.filtersets import BooleanFilter, SubtreeFilter, text_filter
from sqms.emergency.choices import (
    DrillStatus,
    DrillType,
    EventType,
    IncidentLevel,
    IncidentStatus,
)
from sqms.emergency.models import CriticalService, Drill, DrillProgramme, EmergencyPlan, Incident


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Incident number or title"), method=text_filter(["number", "title"])
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=IncidentStatus.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=IncidentLevel.choices)
    event_type = django_filters.ChoiceFilter(label=_("Event type"), choices=EventType.choices)
    is_drill = BooleanFilter(label=_("Exercise"))
    org_unit = SubtreeFilter(label=_("Org unit"), unit_path="org_unit__path")

    class Meta:
        model = Incident
        fields = ["q", "status", "level", "event_type", "is_drill", "org_unit"]


class PlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code or title"), method=text_filter(["code", "title"]))
    event_type = django_filters.ChoiceFilter(label=_("Event type"), choices=EventType.choices)

    class Meta:
        model = EmergencyPlan
        fields = ["q", "event_type"]


class CriticalServiceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code or name"), method=text_filter(["code", "name"]))

    class Meta:
        model = CriticalService
        fields = ["q"]


class ProgrammeFilterSet(django_filters.FilterSet):
    drill_type = django_filters.ChoiceFilter(label=_("Drill type"), choices=DrillType.choices)
    is_active = BooleanFilter(label=_("Active"))

    class Meta:
        model = DrillProgramme
        fields = ["drill_type", "is_active", "plan"]


class DrillFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DrillStatus.choices)
    drill_type = django_filters.ChoiceFilter(label=_("Drill type"), choices=DrillType.choices)

    class Meta:
        model = Drill
        fields = ["status", "drill_type", "plan"]
