"""UI forms of the customers app. An edit form never carries stored personal data: its
personal fields start empty (the masked value is the placeholder) and empty means "keep"."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit
from sqms.customers.choices import (
    Classification,
    ConsentChannel,
    ConsentPurpose,
    Gender,
    PreferredChannel,
    RetentionAction,
    Segment,
)
from sqms.customers.models import Customer
from sqms.customers.models.customers import PERSONAL_FIELDS
from sqms.customers.validators import validate_phone, validate_resident_id


class CustomerForm(BootstrapFormMixin, forms.Form):
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Mobile or phone"),
        max_length=32,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    phone_alt = forms.CharField(
        label=_("Second phone"), max_length=32, required=False, validators=[validate_phone]
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=32,
        required=False,
        validators=[validate_resident_id],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    address = forms.CharField(
        label=_("Address"), max_length=500, required=False, widget=forms.TextInput()
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900)
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)
    segment = forms.ChoiceField(label=_("Segment"), choices=Segment.choices)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=PreferredChannel.choices
    )
    classification = forms.ChoiceField(
        label=_("Data classification"),
        choices=Classification.choices,
        initial=Classification.SENSITIVE,
    )
    service_needs = forms.CharField(
        label=_("Service needs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    habits = forms.CharField(
        label=_("Habits and preferences"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, customer: Customer | None = None, **kwargs: Any):
        if customer is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(customer, name)
                for name in self.base_fields
                if name not in PERSONAL_FIELDS and name != "org_unit"
            } | {"org_unit": customer.org_unit_id}
        super().__init__(*args, **kwargs)
        self.customer = customer
        unit_field = self.fields["org_unit"]
        assert isinstance(unit_field, UnitChoiceField)  # noqa: S101 - narrows for mypy
        unit_field.queryset = OrgUnit.objects.visible_to(user).filter(is_active=True)
        if customer is None:
            unit_field.initial = user.org_unit_id
            return
        for name in PERSONAL_FIELDS:
            masked = customer.masked(name)
            self.fields[name].widget.attrs["placeholder"] = masked or ""
            if masked:
                self.fields[name].help_text = _("Leave empty to keep the stored value.")

    def profile_values(self) -> dict[str, Any]:
        """The cleaned values for the service; on edit, empty personal fields are left out."""
        values = dict(self.cleaned_data)
        values.pop("org_unit", None)
        if self.customer is not None:
            for name in PERSONAL_FIELDS:
                if not values.get(name):
                    values.pop(name, None)
        return values


class RevealForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Why do you need to see it?")}),
    )


class ConsentForm(BootstrapFormMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class LegalHoldForm(BootstrapFormMixin, forms.Form):
    hold = forms.BooleanField(label=_("Under legal hold"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class MergeForm(BootstrapFormMixin, forms.Form):
    duplicate_number = forms.CharField(
        label=_("Customer number of the duplicate"),
        max_length=20,
        help_text=_("Its tickets, visits and consents move to this record; then it is deleted."),
    )


class ErasureForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Request"),
        max_length=300,
        help_text=_("Which request of the customer is executed (date, reference)."),
    )
    confirmation = forms.CharField(
        label=_("Type the customer number to confirm"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ExportForm(BootstrapFormMixin, forms.Form):
    FORMATS = [("csv", "CSV"), ("xlsx", "Excel")]
    CONTENTS = [("customers", _("Customers")), ("tickets", _("Their tickets"))]

    file_format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="xlsx")
    contents = forms.ChoiceField(label=_("Contents"), choices=CONTENTS, initial="customers")
    reveal = forms.BooleanField(
        label=_("Include personal data unmasked"),
        required=False,
        help_text=_("Only with the reveal permission; written to the audit log with the reason."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reveal") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the export needs unmasked personal data."))
        return cleaned


class RetentionRuleForm(BootstrapFormMixin, forms.Form):
    retention_days = forms.IntegerField(label=_("Retention (days)"), min_value=1)
    action = forms.ChoiceField(label=_("Action"), choices=RetentionAction.choices)
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
