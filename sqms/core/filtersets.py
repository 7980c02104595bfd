"""FilterSets of the core app, shared by the UI lists and the REST API."""

import datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from sqms.core.choices import AuditAction, OrgUnitKind
from sqms.core.fields import blind_match
from sqms.core.models import ApiToken, AuditEvent, OrgUnit, User
from sqms.core.roles import ROLE_LABELS

# Ids are 64-bit: a larger number would overflow the database driver (a 500) rather than
# match nothing, so it is refused as invalid input (400).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A filter on a record's id: a whole number from 1 to what the database holds."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcDateTimeField(forms.DateTimeField):
    """A date/time turned to UTC: PostgreSQL refuses UTC offsets beyond ±15:59, which Python
    accepts (up to ±23:59), so "…+21:59" is compared in UTC instead of failing (a 500); an
    instant outside the years 1–9999 in UTC is invalid input (400)."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(datetime.UTC)
        except OverflowError as error:
            raise ValidationError(
                _("This date and time is out of range."), code="invalid"
            ) from error


class DateTimeFilter(django_filters.DateTimeFilter):
    """django-filter's DateTimeFilter with UtcDateTimeField."""

    field_class = UtcDateTimeField


class StrictNullBooleanSelect(forms.NullBooleanSelect):
    """NullBooleanSelect, except that a value it does not know is handed on to the field to
    refuse rather than read as "unknown" (which would silently drop the filter)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        if value is None and raw not in (None, "", "unknown"):
            return raw
        return value


class StrictNullBooleanField(forms.NullBooleanField):
    """true, false or empty (no filter); any other value is an error (400), not ignored."""

    widget = StrictNullBooleanSelect
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value is None or isinstance(value, bool):
            return value
        if value in ("True", "true", "1"):
            return True
        if value in ("False", "false", "0"):
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    """django-filter's BooleanFilter with StrictNullBooleanField."""

    field_class = StrictNullBooleanField


def units_in_scope(request: HttpRequest | None) -> QuerySet[OrgUnit]:
    """The units a filter may name: only those the user sees, so a filter cannot be used to
    probe for units outside the user's scope (an unknown id is an invalid choice)."""
    user = getattr(request, "user", None)
    if user is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.visible_to(user)


def text_filter(fields: list[str]) -> Any:
    """A filter method matching a search text (case-insensitive) against any of `fields`."""

    def apply(queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    return apply


@extend_schema_field(OpenApiTypes.INT)
class SubtreeFilter(django_filters.ModelChoiceFilter):
    """Keeps rows whose org unit lies in the chosen unit's subtree (the unit included)."""

    def __init__(self, *args: Any, unit_path: str = "path", **kwargs: Any) -> None:
        kwargs.setdefault("queryset", units_in_scope)
        super().__init__(*args, **kwargs)
        self.unit_path = unit_path

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(**{f"{self.unit_path}__startswith": value.path})


class OrgUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method=text_filter(["code", "name", "name_en"])
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrgUnitKind.choices)
    is_active = BooleanFilter(label=_("Active"))
    parent = SubtreeFilter(label=_("Within unit"), unit_path="path")

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "is_active", "parent"]


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method=text_filter(["username", "first_name", "last_name", "employee_number"]),
    )
    mobile = django_filters.CharFilter(label=_("Mobile"), method="filter_mobile")
    org_unit = SubtreeFilter(label=_("Org unit"), unit_path="org_unit__path")
    role = django_filters.ChoiceFilter(
        label=_("Role"),
        choices=list(ROLE_LABELS.items()),
        field_name="groups__name",
        # A user has few roles, but the join could still repeat a row; distinct keeps one.
        distinct=True,
    )
    is_active = BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = ["q", "mobile", "org_unit", "role", "is_active"]

    def filter_mobile(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Encrypted at rest: only an exact number can be found, through its blind index.
        return queryset.filter(blind_match(User, "mobile", value)) if value.strip() else queryset


class AuditEventFilterSet(django_filters.FilterSet):
    actor = IdFilter(label=_("Actor (user id)"), field_name="actor_id")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices)
    object_type = django_filters.CharFilter(label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    org_unit = SubtreeFilter(label=_("Org unit"), unit_path="org_unit__path")
    created_after = DateTimeFilter(label=_("From"), field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(label=_("Until"), field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = [
            "actor",
            "action",
            "object_type",
            "object_id",
            "org_unit",
            "created_after",
            "created_before",
        ]


class ApiTokenFilterSet(django_filters.FilterSet):
    user = IdFilter(label=_("User (id)"), field_name="user_id")
    active = BooleanFilter(label=_("Usable"), method="filter_active")

    class Meta:
        model = ApiToken
        fields = ["user", "active"]

    def filter_active(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        usable = Q(revoked_at__isnull=True) & (
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )
        return queryset.filter(usable) if value else queryset.exclude(usable)
