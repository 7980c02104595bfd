"""UI forms of the staff app. They parse input; the services (and models' clean) hold the rules,
so model validation is left to the service and its refusals come back as form errors."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit
from sqms.servicedesk.models import Category, Ticket
from sqms.staff.access import visible_people
from sqms.staff.choices import QuestionKind, RecordKind
from sqms.staff.models import (
    CertificationType,
    Competency,
    Course,
    Exam,
    PlanItem,
    Question,
    RewardPenalty,
    ScorecardWeights,
    StaffProfile,
    TrainingPlan,
    TrainingSession,
)

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffModelForm(BootstrapFormMixin, forms.ModelForm):
    """A model form whose model validation runs in the service (see the module docstring)."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "org_unit" in self.fields:
            self.fields["org_unit"] = UnitChoiceField(
                label=_("Org unit"), queryset=OrgUnit.objects.visible_to(user)
            )
            self.fields["org_unit"].widget.attrs["class"] = "form-select"
            if self.instance.pk:
                self.initial["org_unit"] = self.instance.org_unit_id
            elif user.org_unit_id:
                self.initial.setdefault("org_unit", user.org_unit_id)
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and name != "org_unit" and hasattr(queryset, "visible_to"):
                field.queryset = queryset.visible_to(user)  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        """Skip ModelForm's own model validation: the service validates and saves."""


class CourseForm(StaffModelForm):
    class Meta:
        model = Course
        fields = [
            "org_unit",
            "code",
            "title",
            "course_type",
            "mode",
            "hours",
            "description",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class TrainingSessionForm(StaffModelForm):
    class Meta:
        model = TrainingSession
        fields = ["org_unit", "course", "starts_at", "ends_at", "trainer", "capacity", "location"]
        widgets = {"starts_at": DATETIME_WIDGET, "ends_at": DATETIME_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["trainer"].queryset = visible_people(user)  # type: ignore[attr-defined]


class TrainingPlanForm(StaffModelForm):
    class Meta:
        model = TrainingPlan
        fields = ["org_unit", "name", "position", "is_active"]


class PlanItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = PlanItem
        fields = ["course", "due_within_days", "recurrence_months"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["recurrence_months"].help_text = _(
            "0: once. 12: every year (e.g. security awareness)."
        )

    def _post_clean(self) -> None:
        """Validated by the service."""


class EnrolForm(BootstrapFormMixin, forms.Form):
    person = forms.ModelChoiceField(label=_("Trainee"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = visible_people(user).order_by("username")  # type: ignore[attr-defined]


class FeedbackForm(BootstrapFormMixin, forms.Form):
    feedback_rating = forms.TypedChoiceField(
        label=_("How useful was the session?"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    feedback_comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QuestionForm(StaffModelForm):
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One option per line (choice questions only)."),
    )
    correct = forms.CharField(
        label=_("Correct options"),
        required=False,
        help_text=_(
            "Option numbers, comma-separated, counting from 1 (e.g. 1,3). True/false: 1 for "
            "true, 2 for false. Short answer: leave empty."
        ),
    )

    class Meta:
        model = Question
        fields = [
            "org_unit",
            "topic",
            "difficulty",
            "kind",
            "text",
            "options",
            "correct",
            "points",
            "explanation",
            "is_active",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "explanation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.initial["options"] = "\n".join(self.instance.options or [])
            self.initial["correct"] = ",".join(str(i + 1) for i in self.instance.correct or [])

    def clean_options(self) -> list[str]:
        if self.cleaned_data.get("kind") == QuestionKind.TRUE_FALSE:
            return []
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]

    def clean_correct(self) -> list[int]:
        text = self.cleaned_data["correct"].replace("，", ",").strip()
        if not text:
            return []
        try:
            return [int(part) - 1 for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Give option numbers such as 1,3.")) from None


class ExamForm(StaffModelForm):
    rules = forms.CharField(
        label=_("Drawing rules"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One rule per line: topic, difficulty (1 easy, 2 medium, 3 hard), number of "
            "questions — e.g. “资费, 1, 5”."
        ),
    )

    class Meta:
        model = Exam
        fields = [
            "org_unit",
            "title",
            "course",
            "rules",
            "duration_minutes",
            "pass_mark",
            "max_attempts",
            "grants",
            "is_published",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["max_attempts"].help_text = _("0: unlimited.")
        if self.instance.pk:
            self.initial["rules"] = "\n".join(
                f"{r['topic']}, {r['difficulty']}, {r['count']}" for r in self.instance.rules
            )

    def clean_rules(self) -> list[dict[str, Any]]:
        rules = []
        for line in self.cleaned_data["rules"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            try:
                topic, difficulty, count = parts[0], int(parts[1]), int(parts[2])
            except (IndexError, ValueError):
                raise forms.ValidationError(
                    _("Write each rule as: topic, difficulty, number of questions.")
                ) from None
            if len(parts) != 3:
                raise forms.ValidationError(
                    _("Write each rule as: topic, difficulty, number of questions.")
                )
            rules.append({"topic": topic, "difficulty": difficulty, "count": count})
        return rules


class CertificationTypeForm(StaffModelForm):
    class Meta:
        model = CertificationType
        fields = [
            "org_unit",
            "code",
            "name",
            "ticket_kind",
            "category",
            "validity_months",
            "enforcement",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)  # type: ignore[attr-defined]


class GrantForm(BootstrapFormMixin, forms.Form):
    cert_type = forms.ModelChoiceField(
        label=_("Certification"), queryset=CertificationType.objects.none()
    )
    obtained_on = forms.DateField(label=_("Obtained on"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cert_type"].queryset = CertificationType.objects.visible_to(user)  # type: ignore[attr-defined]


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = [
            "id_number",
            "home_address",
            "emergency_contact",
            "emergency_phone",
            "education",
            "skills",
            "notes",
        ]
        widgets = {"home_address": forms.TextInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    PERSONAL = ("id_number", "home_address", "emergency_phone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Never put stored personal data into the page: an empty field keeps the stored value.
        for name in self.PERSONAL:
            self.initial[name] = ""
            self.fields[name].help_text = _("Leave empty to keep the stored value.")

    def profile_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v or k not in self.PERSONAL}

    def _post_clean(self) -> None:
        """Validated by the service."""


class WeightsForm(StaffModelForm):
    class Meta:
        model = ScorecardWeights
        fields = [
            "org_unit",
            "position",
            "effective_from",
            "volume_target",
            "w_volume",
            "w_response",
            "w_sla",
            "w_satisfaction",
            "w_error",
            "w_fcr",
            "w_inspection",
            "w_exam",
        ]
        widgets = {"effective_from": DATE_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["position"].help_text = _("Leave empty for the default of every position.")
        self.fields["position"].required = False


class ComputeForm(BootstrapFormMixin, forms.Form):
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    period = forms.DateField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.visible_to(user)  # type: ignore[attr-defined]


class RewardPenaltyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = RewardPenalty
        fields = [
            "person",
            "kind",
            "reason",
            "amount_fen",
            "points",
            "evidence_ticket",
            "evidence_reference",
        ]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 3}),
            "evidence_ticket": forms.NumberInput(),
        }

    kind = forms.ChoiceField(label=_("Kind"), choices=RecordKind.choices)
    evidence_ticket = forms.CharField(
        label=_("Evidence ticket"),
        required=False,
        help_text=_("The ticket number, e.g. SQ20261121000123."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["person"].queryset = visible_people(user).order_by("username")  # type: ignore[attr-defined]
        self.fields["amount_fen"].help_text = _("In fen (1 yuan = 100 fen).")
        if self.instance.pk and self.instance.evidence_ticket_id:
            self.initial["evidence_ticket"] = self.instance.evidence_ticket.number

    def clean_evidence_ticket(self) -> Ticket | None:
        number = self.cleaned_data["evidence_ticket"].strip()
        if not number:
            return None
        ticket = Ticket.objects.visible_to(self.user).filter(number=number).first()
        if ticket is None:
            raise forms.ValidationError(_("No ticket with this number in your scope."))
        return ticket

    def _post_clean(self) -> None:
        """Validated by the service."""


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=300)


class CompetencyForm(StaffModelForm):
    class Meta:
        model = Competency
        fields = ["org_unit", "position", "skill", "required_level"]


class RatingForm(BootstrapFormMixin, forms.Form):
    skill = forms.CharField(label=_("Skill"), max_length=80)
    level = forms.TypedChoiceField(
        label=_("Level"), choices=[(i, str(i)) for i in range(1, 6)], coerce=int
    )
