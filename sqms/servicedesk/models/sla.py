"""SLA policies: which tickets they match and the commitments they set."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.servicedesk.choices import Channel, Priority, TicketKind


class SlaPolicy(models.Model):
    """Matched by kind, priority, channel and org unit (its subtree); blank matches any.
    The most specific active policy wins (see sqms.servicedesk.sla.match_policy)."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Applies to this unit and the units below it; blank for all."),
    )
    response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolve_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    business_time = models.BooleanField(
        _("count business time"),
        default=False,
        help_text=_("Count only the unit's working hours; otherwise calendar time."),
    )
    warn_percent = models.PositiveSmallIntegerField(_("warn at (percent of target)"), default=75)
    escalate_raise_priority = models.BooleanField(_("raise priority on breach"), default=True)
    escalate_to_manager = models.BooleanField(
        _("reassign to the unit manager on breach"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
