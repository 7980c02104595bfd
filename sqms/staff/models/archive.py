"""The staff archive (服务人员档案): protected personal fields and competency levels."""

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.fields import EncryptedCharField, EncryptedTextField
from sqms.core.masking import mask_address, mask_id_number, mask_phone, validate_id_number
from sqms.core.models import ScopedModel
from sqms.staff.models.base import CatalogueQuerySet, PersonalQuerySet

USER = settings.AUTH_USER_MODEL


class ProfileQuerySet(PersonalQuerySet):
    person_field = "user"


class StaffProfile(ScopedModel):
    """The archive's own fields for one user; position, unit and hire date live on the user.
    `org_unit` follows the user's unit so the archive is scoped like the person."""

    user = models.OneToOneField(
        USER, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="staff_profile"
    )
    id_number = EncryptedCharField(
        _("ID number"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
        mask=mask_id_number,
    )
    home_address = EncryptedTextField(_("home address"), blank=True, mask=mask_address)
    emergency_contact = EncryptedCharField(_("emergency contact"), max_length=100, blank=True)
    emergency_phone = EncryptedCharField(
        _("emergency contact phone"), max_length=32, blank=True, mask=mask_phone
    )
    education = models.CharField(_("education"), max_length=80, blank=True)
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects: ClassVar[ProfileQuerySet] = ProfileQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("staff archive")
        verbose_name_plural = _("staff archives")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)


class Competency(ScopedModel):
    """One row of a position's competency matrix: the level a position needs in a skill."""

    position = models.CharField(_("position"), max_length=80)
    skill = models.CharField(_("skill"), max_length=80)
    required_level = models.PositiveSmallIntegerField(_("required level (1-5)"), default=3)

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competency matrix")
        ordering = ["position", "skill"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "position", "skill"], name="staff_competency_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.skill}"

    def clean(self) -> None:
        if not 1 <= (self.required_level or 0) <= 5:
            raise ValidationError({"required_level": _("Levels run from 1 to 5.")})


class CompetencyRating(models.Model):
    """A person's assessed level in one skill."""

    profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="ratings")
    skill = models.CharField(_("skill"), max_length=80)
    level = models.PositiveSmallIntegerField(_("level (1-5)"))
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("competency rating")
        verbose_name_plural = _("competency ratings")
        ordering = ["skill"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "skill"], name="staff_rating_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.level}"
