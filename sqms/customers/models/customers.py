"""Customer records (personal data encrypted at rest, blind-indexed for exact look-up) and
their consent records."""

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.choices import Language
from sqms.core.fields import BlindIndexField, EncryptedCharField, EncryptedTextField
from sqms.core.masking import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_email,
    normalise_id_number,
    normalise_phone,
)
from sqms.core.models import ScopedModel, ScopedQuerySet
from sqms.customers.choices import (
    AgeBand,
    Classification,
    ConsentChannel,
    ConsentPurpose,
    Gender,
    PreferredChannel,
    Segment,
)

# Both phone columns share one index purpose, so a typed number has one digest that is
# compared with either column.
PHONE_PURPOSE = "customers.customer.phone"

# Encrypted personal fields and how each is masked; the order is the profile's order.
PERSONAL_FIELDS: dict[str, Any] = {
    "name": mask_name,
    "phone": mask_phone,
    "phone_alt": mask_phone,
    "id_number": mask_id_number,
    "email": mask_email,
    "address": mask_address,
}


class CustomerQuerySet(ScopedQuerySet):
    pass


CustomerManager = models.Manager.from_queryset(CustomerQuerySet)


class Customer(ScopedModel):
    # Each registration of a new caller writes this row; the (org_unit, -created_at) index
    # below serves look-ups by unit, so the key needs no index of its own.
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    number = models.CharField(_("customer number"), max_length=20, unique=True, editable=False)
    name = EncryptedCharField(_("name"), max_length=100, blank=True, mask=mask_name)
    phone = EncryptedCharField(_("mobile or phone"), max_length=32, blank=True, mask=mask_phone)
    phone_index = BlindIndexField(
        source="phone", normaliser=normalise_phone, purpose=PHONE_PURPOSE, db_index=False
    )
    phone_alt = EncryptedCharField(_("second phone"), max_length=32, blank=True, mask=mask_phone)
    phone_alt_index = BlindIndexField(
        source="phone_alt", normaliser=normalise_phone, purpose=PHONE_PURPOSE, db_index=False
    )
    id_number = EncryptedCharField(
        _("resident ID number"), max_length=18, blank=True, mask=mask_id_number
    )
    id_number_index = BlindIndexField(
        source="id_number", normaliser=normalise_id_number, db_index=False
    )
    email = EncryptedCharField(_("e-mail"), max_length=254, blank=True, mask=mask_email)
    email_index = BlindIndexField(source="email", normaliser=normalise_email, db_index=False)
    address = EncryptedTextField(_("address"), blank=True, mask=mask_address)

    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    segment = models.CharField(
        _("segment"), max_length=20, choices=Segment.choices, default=Segment.MASS
    )
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=20,
        choices=PreferredChannel.choices,
        default=PreferredChannel.PHONE,
    )
    # The language the customer is written to in (notifications, survey invitations).
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=Language.choices,
        default=Language.ZH_HANS,
        db_default=Language.ZH_HANS,  # rows bulk-loaded with raw SQL get it too
    )
    service_needs = models.TextField(_("service needs"), blank=True)
    habits = models.TextField(_("habits and preferences"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    classification = models.CharField(
        _("data classification"),
        max_length=20,
        choices=Classification.choices,
        default=Classification.SENSITIVE,
    )
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("A record under legal hold is never anonymised or destroyed."),
    )
    legal_hold_reason = models.CharField(_("legal hold reason"), max_length=300, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects: ClassVar[CustomerManager] = CustomerManager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("merge_customer", _("Can merge duplicate customers")),
            ("export_customer", _("Can export customers")),
            ("erase_customer", _("Can execute erasure requests")),
            ("hold_customer", _("Can place customers under legal hold")),
        ]
        indexes = [
            models.Index(fields=["org_unit", "-created_at"]),
            models.Index(fields=["phone_index"]),
            models.Index(fields=["phone_alt_index"]),
            models.Index(fields=["id_number_index"]),
            models.Index(fields=["email_index"]),
        ]

    def __str__(self) -> str:
        # The number only: str() ends up in audit entries and logs, personal data must not.
        return self.number

    # --- masked views (templates and serializers show these, never the plaintext) ----------

    def masked(self, field: str) -> str:
        value = getattr(self, field) or ""
        return PERSONAL_FIELDS[field](value) if value else ""

    @property
    def masked_name(self) -> str:
        return self.masked("name")

    @property
    def masked_phone(self) -> str:
        return self.masked("phone")

    @property
    def masked_phone_alt(self) -> str:
        return self.masked("phone_alt")

    @property
    def masked_id_number(self) -> str:
        return self.masked("id_number")

    @property
    def masked_email(self) -> str:
        return self.masked("email")

    @property
    def masked_address(self) -> str:
        return self.masked("address")

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def age_band(self, today: datetime.date | None = None) -> str:
        """The age band (shown instead of the age); "" when the birth year is unknown."""
        if not self.birth_year:
            return ""
        age = (today or timezone.localdate()).year - self.birth_year
        if age < 18:
            return AgeBand.UNDER_18
        if age < 30:
            return AgeBand.FROM_18
        if age < 45:
            return AgeBand.FROM_30
        if age < 60:
            return AgeBand.FROM_45
        return AgeBand.FROM_60

    def get_age_band_display(self) -> str:
        band = self.age_band()
        return str(AgeBand(band).label) if band else ""


class Consent(models.Model):
    """One consent of a customer to one purpose, given and perhaps later withdrawn."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel.choices)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose}"

    @property
    def org_unit(self) -> Any:
        # Audit events and reveal scope checks read the unit of the customer.
        return self.customer.org_unit

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
