"""Forms of the log-in, two-factor, password and "my account" pages, styled for Bootstrap 5."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from sqms.core.choices import Language


class BootstrapFormMixin:
    """Gives every widget Bootstrap's classes and marks fields with errors as invalid, so the
    templates render fields with one include and no JavaScript."""

    fields: dict[str, forms.Field]
    _errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self._errors or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class StyledPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass


class OneTimeCodeField(forms.CharField):
    def to_python(self, value: Any) -> str:
        # Apps show the code as "123 456"; accept it as typed.
        return str(super().to_python(value)).replace(" ", "")


class TotpCodeForm(BootstrapFormMixin, forms.Form):
    code = OneTimeCodeField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=8,
        validators=[RegexValidator(r"^\d+$", _("Enter the digits shown in the app."))],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )


class LanguageForm(BootstrapFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


TOKEN_LIFETIMES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
    ("", _("Never expires")),
]


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the name of the integration."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        choices=TOKEN_LIFETIMES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )
