"""Org units: the tree every record belongs to (company → branch → hall → counter …)."""

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from sqms.core.choices import OrgUnitKind
from sqms.core.scope import unit_scope_filter


class OrgUnitQuerySet(MP_NodeQuerySet):
    def visible_to(self, user: Any) -> "OrgUnitQuerySet":
        return self.filter(unit_scope_filter(user, None))


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self) -> OrgUnitQuerySet:
        return OrgUnitQuerySet(self.model).order_by("path")

    def visible_to(self, user: Any) -> OrgUnitQuerySet:
        return self.get_queryset().visible_to(user)


class OrgUnit(MP_Node):
    """A node of the organisation.

    Materialised path (treebeard's MP_Node): a subtree is `path LIKE 'prefix%'`, one indexed
    range scan on both SQLite and PostgreSQL with no recursive query, and every record can be
    scoped by joining its unit and comparing path prefixes. Moves are rare (re-organisations),
    reads are constant, which is the trade-off materialised paths make.
    """

    # 4 characters per level in base 36: 1.6 million children per parent, 63 levels deep.
    steplen = 4

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgUnitKind.choices)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        permissions = [("view_all_units", _("Can see records of every org unit"))]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_in(get_language() or "")

    def name_in(self, language: str) -> str:
        """The unit's name for readers of `language`: the English one where there is one."""
        if self.name_en and language.startswith("en"):
            return self.name_en
        return self.name

    @property
    def level(self) -> int:
        return self.depth - 1

    def subtree(self) -> OrgUnitQuerySet:
        return OrgUnit.objects.filter(path__startswith=self.path)
