"""Abstract bases every sqms model inherits: timestamps, creator, and org-unit scope."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.scope import unit_scope_filter


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to org units; `visible_to` applies the one scoping rule."""

    scope_field = "org_unit"

    def visible_to(self, user: Any) -> "ScopedQuerySet":
        return self.filter(unit_scope_filter(user, self.scope_field))


class ScopedModel(TimeStampedModel):
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
