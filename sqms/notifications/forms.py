"""Forms of the notifications UI: the reply to a customer and the template editor."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin
from sqms.notifications.models import NotificationTemplate
from sqms.notifications.services import REPLY_MAX_LENGTH


class ReplyForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Reply to the customer"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TemplateForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["subject", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10, "class": "font-monospace"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.transport == "sms":
            self.fields["subject"].help_text = _("Text messages are sent without a subject.")
