"""Forms of the intake pages: mailboxes, integrations and decisions on messages."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_scope_filter
from sqms.intake.choices import IntegrationChannel, MailboxKind


class _UnitForm(BootstrapFormMixin, forms.Form):
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            unit_scope_filter(user, None)
        ).order_by("path")


class MailboxForm(_UnitForm):
    address = forms.EmailField(label=_("Address"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=100)
    default_kind = forms.ChoiceField(
        label=_("Ticket kind"), choices=MailboxKind.choices, required=False
    )
    is_default = forms.BooleanField(
        label=_("Default mailbox"),
        required=False,
        help_text=_("Mail to an unknown address of ours goes here instead of quarantine."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    field_order = ["address", "name", "org_unit", "default_kind", "is_default", "active"]


class IntegrationForm(_UnitForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), choices=IntegrationChannel.choices)
    default_kind = forms.ChoiceField(
        label=_("Ticket kind"), choices=MailboxKind.choices, required=False
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("Deliveries per minute"), min_value=1, max_value=10000, initial=120
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    field_order = ["name", "channel", "org_unit", "default_kind", "rate_limit_per_minute", "active"]


class DiscardForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea({"rows": 2}))


class AcceptForm(_UnitForm):
    """Register a quarantined e-mail as a new ticket in a chosen unit."""
