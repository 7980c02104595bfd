"""UI forms for counter visits, ticket attachments and the bulk import of historical tickets.

They parse input only; the rules are in sqms.servicedesk.visits, .attachments and .importer.
"""

import os
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from sqms.core.choices import OrgUnitKind
from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit
from sqms.servicedesk import attachments

IMPORT_MAX_BYTES = 20 * 1024 * 1024
HALL_KINDS = (OrgUnitKind.HALL, OrgUnitKind.COUNTER)


class ArrivalForm(BootstrapFormMixin, forms.Form):
    """A customer takes a number."""

    org_unit = UnitChoiceField(label=_("Hall"), queryset=OrgUnit.objects.none())
    queue_number = forms.CharField(
        label=_("Queue number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    customer_phone = forms.CharField(
        label=_("Customer's mobile (optional)"),
        max_length=20,
        required=False,
        help_text=_("Links the visit to the customer's history when the number is on file."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]


class CallForm(BootstrapFormMixin, forms.Form):
    counter = UnitChoiceField(label=_("Counter"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args: Any, counters: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counter"].queryset = counters  # type: ignore[attr-defined]


class AttachmentForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, images (PNG, JPEG, GIF), text, CSV, Word or Excel files."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.help_text = _("%(types)s; at most %(size)s.") % {
            "types": ", ".join(attachments.allowed_extensions()),
            "size": filesizeformat(attachments.max_bytes()),
        }
        field.widget.attrs["accept"] = ",".join(attachments.allowed_extensions())


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"))
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and skip the invalid ones"),
        required=False,
        help_text=_("Otherwise nothing is imported while any row is invalid."),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, import nothing"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        ext = os.path.splitext(upload.name or "")[1].lower()
        if ext not in (".csv", ".xlsx"):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if (upload.size or 0) > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large; the limit is %(limit)s.")
                % {"limit": filesizeformat(IMPORT_MAX_BYTES)}
            )
        return upload
