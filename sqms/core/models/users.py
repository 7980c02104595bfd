"""Users: staff members who log in, with their org unit, position and language."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.choices import Language
from sqms.core.fields import BlindIndexField, EncryptedCharField
from sqms.core.masking import mask_phone, normalise_phone, validate_phone_number


class User(AbstractUser):
    """A member of staff. The staff profile (employee number, unit, position, hire date) lives
    on the user itself, so every list of users needs no extra join for it."""

    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    employee_number = models.CharField(
        _("employee number"), max_length=32, unique=True, null=True, blank=True
    )
    position = models.CharField(_("position"), max_length=80, blank=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    # Personal data: encrypted at rest, masked in lists and the audit log, found by exact
    # number through the blind index (sqms.core.fields.blind_match(User, "mobile", ...)).
    mobile = EncryptedCharField(
        _("mobile"),
        max_length=32,
        blank=True,
        validators=[validate_phone_number],
        mask=mask_phone,
    )
    mobile_index = BlindIndexField(source="mobile", normaliser=normalise_phone, db_index=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [("reveal_personal_data", _("Can reveal masked personal data"))]
        indexes = [models.Index(fields=["mobile_index"])]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def get_full_name(self) -> str:
        # Chinese names are family name first, with no space.
        if self.last_name and self.first_name and not self.first_name.isascii():
            return f"{self.last_name}{self.first_name}"
        return super().get_full_name()

    @property
    def role_names(self) -> list[str]:
        return [group.name for group in self.groups.all()]
