"""Forms of the survey pages: results filters, rules, campaigns, questions, follow-ups."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_scope_filter
from sqms.servicedesk.choices import Channel, TicketKind
from sqms.surveys.choices import VersionStatus
from sqms.surveys.models import Campaign, InvitationRule, Question, SurveyTemplate, SurveyVersion

BLANK = [("", "---------")]


def _units(user: Any) -> Any:
    return OrgUnit.objects.filter(unit_scope_filter(user, None)).order_by("path")


class ResultsFilterForm(BootstrapFormMixin, forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    unit = forms.ModelChoiceField(
        label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=BLANK + list(Channel.choices), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=BLANK + list(TicketKind.choices), required=False
    )
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=SurveyTemplate.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)  # type: ignore[attr-defined]
        self.fields["template"].queryset = SurveyTemplate.objects.visible_to(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end is before the start."))
        return data


class CommentFilterForm(ResultsFilterForm):
    q = forms.CharField(label=_("Text contains"), required=False, max_length=100)
    max_score = forms.IntegerField(
        label=_("Overall at most"), required=False, min_value=1, max_value=5
    )


class RuleForm(BootstrapFormMixin, forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Ticket kinds"),
        choices=TicketKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel."),
    )

    class Meta:
        model = InvitationRule
        fields = [
            "name",
            "org_unit",
            "template",
            "kinds",
            "channels",
            "sampling_rate",
            "quiet_days",
            "expiry_days",
            "low_score_threshold",
            "active",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = _units(user)  # type: ignore[attr-defined]
        self.fields["template"].queryset = SurveyTemplate.objects.visible_to(user)  # type: ignore[attr-defined]


class CampaignForm(BootstrapFormMixin, forms.ModelForm):
    segment = forms.ChoiceField(label=_("Customer segment"), required=False, choices=BLANK)

    class Meta:
        model = Campaign
        fields = [
            "name",
            "org_unit",
            "version",
            "segment",
            "period_start",
            "period_end",
            "quiet_days",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from sqms.customers.choices import Segment

        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = BLANK + list(Segment.choices)  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = _units(user)  # type: ignore[attr-defined]
        self.fields["version"].queryset = SurveyVersion.objects.filter(  # type: ignore[attr-defined]
            template__in=SurveyTemplate.objects.visible_to(user),
            status=VersionStatus.PUBLISHED,
        ).select_related("template")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The end is before the start."))
        return data


class QuestionForm(BootstrapFormMixin, forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Choice questions: one option per line as value|中文|English."),
    )

    class Meta:
        model = Question
        fields = [
            "code",
            "qtype",
            "dimension",
            "pair",
            "text_zh",
            "text_en",
            "low_label_zh",
            "low_label_en",
            "high_label_zh",
            "high_label_en",
            "required",
        ]

    def clean_options_text(self) -> list[dict[str, str]]:
        options = []
        for line in (self.cleaned_data.get("options_text") or "").splitlines():
            if not line.strip():
                continue
            value, _sep, rest = line.partition("|")
            zh, _sep2, en = rest.partition("|")
            options.append(
                {"value": value.strip(), "zh": zh.strip() or value.strip(), "en": en.strip()}
            )
        return options


class FollowUpForm(BootstrapFormMixin, forms.Form):
    outcome = forms.CharField(
        label=_("Outcome of the call-back"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class KioskStartForm(BootstrapFormMixin, forms.Form):
    ticket_number = forms.CharField(
        label=_("Ticket number"),
        required=False,
        max_length=20,
        help_text=_("Leave empty for a walk-in customer."),
    )


class KioskExitForm(forms.Form):
    password = forms.CharField(label=_("Staff password"), widget=forms.PasswordInput)
