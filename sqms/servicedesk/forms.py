"""UI forms of the service desk: quick registration and one small form per ticket action.

Forms only parse and validate input; the rules (who may verify, what a transition needs) are
the services' and come back as DomainError, which the views put on the form.
"""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sqms.core.choices import OrgUnitKind
from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.masking import validate_phone_number
from sqms.core.models import OrgUnit, User
from sqms.customers.validators import validate_resident_id
from sqms.servicedesk.choices import Channel, Level, TicketKind
from sqms.servicedesk.models import Category

# Units whose staff meet customers face to face register at the counter; the rest mostly
# take calls.
COUNTER_UNIT_KINDS = frozenset({OrgUnitKind.HALL, OrgUnitKind.COUNTER})

# Integrations register through the API, never by hand.
UI_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.API]


def default_channel(unit: OrgUnit | None) -> str:
    """The channel a user of `unit` most likely registers on: the counter in a hall, the
    phone in a call centre, team or office."""
    if unit is not None and unit.kind in COUNTER_UNIT_KINDS:
        return Channel.COUNTER
    return Channel.PHONE


class SegmentedRadioSelect(forms.RadioSelect):
    """Radio buttons drawn as a row of toggle buttons (Bootstrap's btn-check): one click or
    the arrow keys pick a value, and Tab moves on to the next group."""

    template_name = "servicedesk/widgets/segmented.html"
    option_template_name = "servicedesk/widgets/segmented_option.html"


class CategoryChoiceField(forms.ModelChoiceField):
    """Problem types as an indented tree."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{'— ' * (obj.depth - 1)}{obj}"


def category_choices() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("path")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.username
        unit = f" · {obj.org_unit}" if obj.org_unit_id else ""
        return f"{name} ({obj.username}){unit}"


def level_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=Level.choices,
        coerce=int,
        initial=Level.MEDIUM,
        widget=SegmentedRadioSelect,
    )


class TicketRegistrationForm(BootstrapFormMixin, forms.Form):
    """Fields in the order an agent at a counter asks for them; the order is the tab order."""

    customer_phone = forms.CharField(
        label=_("Customer phone"),
        max_length=32,
        required=False,
        validators=[validate_phone_number],
        widget=forms.TextInput(
            attrs={"autofocus": True, "inputmode": "tel", "autocomplete": "off"}
        ),
    )
    customer_name = forms.CharField(
        label=_("Customer name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    customer_id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=18,
        required=False,
        validators=[validate_resident_id],
        help_text=_("Optional: finds the customer record, or creates one with it."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=TicketKind.choices,
        initial=TicketKind.CONSULTATION,
        widget=SegmentedRadioSelect,
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=UI_CHANNELS, widget=SegmentedRadioSelect
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = CategoryChoiceField(
        label=_("Problem type"), queryset=Category.objects.none(), required=False
    )
    impact = level_field(_("Impact"))
    urgency = level_field(_("Urgency"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].initial = default_channel(user.org_unit)
        # Leaving the phone field looks the number up at once (htmx; the button does it too).
        self.fields["customer_phone"].widget.attrs.update(
            {
                "hx-get": reverse("ticket_customer_lookup"),
                "hx-trigger": "change",
                "hx-target": "#customer-history",
            }
        )
        category = self.fields["category"]
        assert isinstance(category, CategoryChoiceField)  # noqa: S101 - narrows for mypy
        category.queryset = category_choices()

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the ticket a title."), code="required")
        return title


class CustomerLookupForm(forms.Form):
    customer_phone = forms.CharField(
        label=_("Customer phone"), max_length=32, validators=[validate_phone_number]
    )


# --- action forms ----------------------------------------------------------------------------


class ActionForm(BootstrapFormMixin, forms.Form):
    """Base of the small forms on the ticket page; `ticket` and `user` let a form limit its
    choices to what the acting user may pick."""

    def __init__(self, *args: Any, ticket: Any, user: Any, action: str, **kwargs: Any) -> None:
        # Each action's form has its own prefix, so the several forms on one page keep
        # distinct ids and a POST names which form it came from.
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.user = user
        self.action = action


def text_area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class NoteForm(ActionForm):
    """Actions with nothing to say but an optional note (start, resume, verify, close)."""

    note = forms.CharField(label=_("Note"), required=False, widget=text_area())


class EmptyActionForm(ActionForm):
    """Actions that take no input at all."""


class TriageForm(ActionForm):
    category = CategoryChoiceField(
        label=_("Problem type"), queryset=Category.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=TicketKind.choices)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Level.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Level.choices, coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryChoiceField)  # noqa: S101 - narrows for mypy
        category.queryset = category_choices()
        if not self.is_bound:
            ticket = self.ticket
            self.initial.update(
                category=ticket.category_id,
                kind=ticket.kind,
                impact=ticket.impact,
                urgency=ticket.urgency,
            )


class RespondForm(ActionForm):
    message = forms.CharField(
        label=_("Reply to the customer"),
        required=False,
        widget=text_area(),
        help_text=_("Optional; recorded on the timeline as visible to the customer."),
    )


class ReasonForm(ActionForm):
    """Actions that must say why (pause, send back, reopen)."""

    reason = forms.CharField(label=_("Reason"), widget=text_area())


class ResolveForm(ActionForm):
    resolution = forms.CharField(label=_("Resolution"), widget=text_area(3))
    root_cause = forms.CharField(label=_("Root cause"), required=False, widget=text_area())
    service_error = forms.BooleanField(label=_("Service error (服务差错)"), required=False)
    service_error_reason = forms.CharField(
        label=_("Service error reason"), max_length=300, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("service_error") and not (data.get("service_error_reason") or "").strip():
            self.add_error("service_error_reason", _("Say what the service error was."))
        return data


class FeedbackForm(ActionForm):
    confirmed = forms.TypedChoiceField(
        label=_("Customer confirms the problem is solved"),
        choices=[("yes", _("Yes, confirmed")), ("no", _("No, not solved"))],
        coerce=lambda value: value == "yes",
        widget=SegmentedRadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=text_area())


class AssignForm(ActionForm):
    """Transfer to a person, a department, or both; the choices stop at the user's scope."""

    assignee = UserChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    department = UnitChoiceField(
        label=_("Handling department"), queryset=OrgUnit.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, widget=text_area())

    def __init__(
        self, *args: Any, assignees: QuerySet[User], departments: QuerySet[OrgUnit], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        department = self.fields["department"]
        assert isinstance(assignee, UserChoiceField)  # noqa: S101 - narrows for mypy
        assert isinstance(department, UnitChoiceField)  # noqa: S101 - narrows for mypy
        assignee.queryset = assignees
        department.queryset = departments

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("assignee") and not data.get("department") and not self.errors:
            raise forms.ValidationError(
                _("Choose an assignee, a handling department or both."), code="required"
            )
        return data


class PriorityForm(ActionForm):
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Level.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Level.choices, coerce=int)
    reason = forms.CharField(label=_("Reason"), required=False, widget=text_area())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(impact=self.ticket.impact, urgency=self.ticket.urgency)


class CommentForm(ActionForm):
    text = forms.CharField(label=_("Comment"), widget=text_area(3))
    customer_visible = forms.BooleanField(
        label=_("Visible to the customer"),
        required=False,
        help_text=_("Otherwise an internal note, seen only by staff."),
    )


class ManagerUnitForm(BootstrapFormMixin, forms.Form):
    """Which unit's subtree the manager's view counts."""

    unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoiceField)  # noqa: S101 - narrows for mypy
        unit.queryset = OrgUnit.objects.visible_to(user)
        unit.empty_label = str(_("(all units I see)"))
