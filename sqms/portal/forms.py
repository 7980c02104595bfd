"""Forms of the public portal. Every field carries its label; a field with an error is marked
aria-invalid and described by its error and help text, so screen readers announce both."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sqms.core.masking import is_mobile_number
from sqms.core.models import OrgUnit
from sqms.portal import services
from sqms.servicedesk import attachments
from sqms.servicedesk.choices import TicketKind


class AccessibleForm(forms.Form):
    """Bootstrap classes, and aria attributes tying each field to its help and errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.RadioSelect):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs.setdefault("class", css)
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_help"

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        focused = False
        for name in self.errors:
            if name not in self.fields or name in ("website", "form_token"):
                continue
            if not focused:
                # Keyboard and screen-reader users land on the first field to correct.
                self.fields[name].widget.attrs["autofocus"] = True
                focused = True
            widget = self.fields[name].widget
            described = [f"id_{name}_error"]
            if self.fields[name].help_text:
                described.append(f"id_{name}_help")
            widget.attrs["aria-invalid"] = "true"
            widget.attrs["aria-describedby"] = " ".join(described)
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class SubmitForm(AccessibleForm):
    kind = forms.ChoiceField(label=_("What is it about?"), choices=TicketKind.choices)
    org_unit = UnitChoiceField(
        label=_("Service hall or area"),
        queryset=OrgUnit.objects.none(),
        empty_label=_("Choose …"),
        help_text=_("The service hall or call centre your request is for."),
    )
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, when and where; what you would like us to do."),
    )
    customer_name = forms.CharField(label=_("Your name"), max_length=services.NAME_MAX)
    customer_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        help_text=_("11 digits. You need it with the number to follow your request."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(label=_("Language for our replies"), choices=settings.LANGUAGES)
    attachments = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        help_text=_("Up to 3 files (PDF, images, text, Word, Excel), each at most 10 MB."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my name, phone number and e-mail are processed to handle this request."
        ),
        error_messages={"required": _("We need your consent to handle this request.")},
    )
    # The honeypot: hidden from people (and from assistive technology), filled by bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = services.public_units()  # type: ignore[attr-defined]
        self.fields["language"].initial = (get_language() or "zh-hans").lower()
        self.fields["attachments"].widget.attrs["accept"] = ",".join(
            attachments.allowed_extensions()
        )
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if not self.is_bound:
            self.fields["form_token"].initial = services.issue_form_token()

    def clean_customer_phone(self) -> str:
        phone = str(self.cleaned_data.get("customer_phone") or "").strip()
        if not is_mobile_number(phone):
            raise forms.ValidationError(
                _("Enter a mainland mobile number of 11 digits, e.g. 13812345678.")
            )
        return phone

    def clean_attachments(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        if len(uploads) > services.MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("At most %(max)d files.") % {"max": services.MAX_ATTACHMENTS}
            )
        errors = []
        for upload in uploads:
            try:
                attachments.check_upload(upload)
            except services.DomainError as error:
                errors.append(f"{attachments.clean_name(upload.name or '')}: {error.message}")
        if errors:
            raise forms.ValidationError(errors)
        return uploads

    def submission(self) -> services.Submission:
        data = self.cleaned_data
        return services.Submission(
            kind=data["kind"],
            org_unit=data["org_unit"],
            title=data["title"],
            description=data["description"],
            customer_name=data["customer_name"],
            customer_phone=data["customer_phone"],
            email=data.get("email") or "",
            language=data["language"],
            consent=bool(data["consent"]),
            uploads=data.get("attachments") or [],
            form_token=data.get("form_token") or "",
            honeypot=data.get("website") or "",
        )

    def renew_token(self) -> None:
        """Give a re-shown form a fresh time stamp (the bound value would be sent back)."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data["form_token"] = services.issue_form_token()
        self.data = data


class TrackForm(AccessibleForm):
    number = forms.CharField(
        label=_("Ticket number"),
        max_length=32,
        help_text=_("For example SQ20261121000123, as shown after you submitted."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class MessageForm(AccessibleForm):
    text = forms.CharField(
        label=_("Your message"),
        max_length=services.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NotSolvedForm(AccessibleForm):
    reason = forms.CharField(
        label=_("What is still wrong?"),
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
