"""UI forms of the core app: org units and users, rendered with Bootstrap classes."""

import zoneinfo
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from sqms.core.errors import DomainError
from sqms.core.filtersets import AuditEventFilterSet
from sqms.core.masking import mask_phone, normalise_phone, validate_phone_number
from sqms.core.models import OrgUnit, User
from sqms.core.roles import ROLE_LABELS


class BootstrapBoundField(BoundField):
    """Marks a field with errors `is-invalid`, which Bootstrap needs to show its message."""

    def build_widget_attrs(self, attrs: Any, widget: Any = None) -> dict[str, Any]:
        result = super().build_widget_attrs(attrs, widget)
        if self.errors:
            # These attrs replace the widget's own, so keep its classes beside the new one.
            own = (widget or self.field.widget).attrs.get("class", "")
            classes = f"{own} {result.get('class', '')} is-invalid".split()
            result["class"] = " ".join(dict.fromkeys(classes))
        return result


def widget_css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return ""
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


def style_widgets(form: forms.BaseForm) -> forms.BaseForm:
    """Add Bootstrap's class to every visible widget of `form` (also used for filter forms)."""
    for field in form.fields.values():
        css = widget_css_class(field.widget)
        if css and not field.widget.is_hidden:
            existing = field.widget.attrs.get("class", "")
            if css not in existing.split():
                field.widget.attrs["class"] = f"{existing} {css}".strip()
    return form


class BootstrapFormMixin:
    """Gives every widget its Bootstrap class; templates render fields with core/_field.html."""

    bound_field_class: type[BoundField] | None = BootstrapBoundField
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)  # type: ignore[arg-type]


def add_domain_error(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has it, else on top."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            form.add_error(None, error)
        return
    form.add_error(error.field if error.field in form.fields else None, error.message)


class UnitSelect(forms.Select):
    """A select rendered in one template pass (see the template for why)."""

    template_name = "core/widgets/unit_select.html"


class UnitChoiceField(forms.ModelChoiceField):
    """Org units as an indented tree, so the choice list reads like the org chart."""

    widget = UnitSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{'— ' * obj.level}{obj.display_name} ({obj.code})"


class TimeZoneField(forms.CharField):
    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value not in zoneinfo.available_timezones():
            raise ValidationError(_("Unknown time zone."), code="invalid_time_zone")


class OrgUnitForm(BootstrapFormMixin, forms.ModelForm):
    """Edit an org unit's own fields; its place in the tree is chosen only when it is made."""

    time_zone = TimeZoneField(label=_("Time zone"), max_length=64, initial="Asia/Shanghai")

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "name_en", "kind", "time_zone", "is_active"]


class OrgUnitCreateForm(OrgUnitForm):
    parent = UnitChoiceField(label=_("Parent unit"), queryset=OrgUnit.objects.none())

    field_order = ["parent", "code", "name", "name_en", "kind", "time_zone", "is_active"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, UnitChoiceField)  # noqa: S101 - narrows the type for mypy
        parent.queryset = OrgUnit.objects.visible_to(user)
        # Only a superuser may add a top-level unit (the service refuses it for anyone else).
        parent.required = not user.is_superuser
        if user.is_superuser:
            parent.empty_label = str(_("(none: a new top-level unit)"))


class UserForm(BootstrapFormMixin, forms.ModelForm):
    """A staff member's profile and roles; the unit is limited to the editor's scope.

    The mobile number is personal data: the form never shows the stored number (that would be
    an unaudited reveal), only its mask; an empty field keeps it, a new number replaces it.
    """

    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=32,
        required=False,
        validators=[validate_phone_number],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=list(ROLE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "employee_number",
            "org_unit",
            "position",
            "hire_date",
            "language",
            "is_active",
        ]
        field_classes = {"org_unit": UnitChoiceField}
        widgets = {"hire_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, editor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["org_unit"]
        assert isinstance(unit, UnitChoiceField)  # noqa: S101 - narrows the type for mypy
        unit.queryset = OrgUnit.objects.visible_to(editor)
        unit.required = True
        if self.instance.pk and "roles" not in self.initial:
            self.initial["roles"] = self.instance.role_names
        if self.instance.pk and self.instance.mobile:
            self.fields["mobile"].help_text = _(
                "Now %(masked)s. Leave empty to keep it; type a number to replace it."
            ) % {"masked": mask_phone(self.instance.mobile)}
        self.order_fields(["username", "first_name", "last_name", "email", "mobile"])

    def clean_employee_number(self) -> str | None:
        # Blank means "none": stored as NULL so the unique constraint allows many of them.
        value = self.cleaned_data.get("employee_number")
        return value or None

    def profile_values(self) -> dict[str, Any]:
        """The cleaned model fields, as the user services take them."""
        meta_fields = self._meta.fields or []
        values = {name: self.cleaned_data[name] for name in meta_fields}
        if self.cleaned_data.get("mobile"):
            values["mobile"] = normalise_phone(self.cleaned_data["mobile"])
        return values


class UserCreateForm(UserForm):
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_validation.password_validators_help_text_html, str)(),
    )
    password2 = forms.CharField(
        label=_("Initial password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            # Validate against the new user's own attributes (name, username, e-mail).
            candidate = User(
                **{
                    name: cleaned.get(name)
                    for name in ("username", "first_name", "last_name", "email")
                    if cleaned.get(name)
                }
            )
            try:
                password_validation.validate_password(first, user=candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AuditLogFilterSet(AuditEventFilterSet):
    """The audit filters as the UI page shows them: the actor by user name (people do not know
    user ids) and the time range as the browser's date-time picker."""

    actor_name = django_filters.CharFilter(
        label=_("Actor"), field_name="actor_repr", lookup_expr="iexact"
    )

    class Meta(AuditEventFilterSet.Meta):
        fields = ["actor_name", *AuditEventFilterSet.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form = self.form
        for name in ("created_after", "created_before"):
            form.fields[name].widget = forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        form.fields["actor"].widget = forms.HiddenInput()
        form.fields["object_type"].widget.attrs["list"] = "sqms-object-types"
