"""Risk matrices as data: probability and impact levels, risk levels, and the grid between them."""

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import TimeStampedModel


def localised(entry: dict[str, Any]) -> str:
    """The name of a level entry in the active language (Chinese unless English is active)."""
    if entry.get("name_en") and (get_language() or "").startswith("en"):
        return str(entry["name_en"])
    return str(entry.get("name", ""))


class RiskMatrix(TimeStampedModel):
    """N probability levels × M impact levels and the risk level of every cell.

    `probability_levels` and `impact_levels` list {name, name_en, description, colour} from the
    lowest (rank 1) up; `risk_levels` lists {code, name, name_en, description, colour} from the
    lowest up; `grid[p - 1][i - 1]` is the risk level code of probability p and impact i.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    probability_levels = models.JSONField(_("probability levels"), default=list)
    impact_levels = models.JSONField(_("impact levels"), default=list)
    risk_levels = models.JSONField(_("risk levels"), default=list)
    grid = models.JSONField(_("grid"), default=list)
    is_default = models.BooleanField(_("default for new risks"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def size(self) -> str:
        return f"{len(self.probability_levels)}×{len(self.impact_levels)}"

    def level_rank(self, code: str) -> int:
        for index, level in enumerate(self.risk_levels):
            if level["code"] == code:
                return index + 1
        raise KeyError(code)

    def level(self, code: str) -> dict[str, Any]:
        return dict(self.risk_levels[self.level_rank(code) - 1])

    def level_for(self, probability: int, impact: int) -> dict[str, Any]:
        """The risk level (with its `rank`) of one cell; ranks start at 1."""
        if not (1 <= probability <= len(self.probability_levels)):
            raise ValueError(f"probability {probability} outside 1..{len(self.probability_levels)}")
        if not (1 <= impact <= len(self.impact_levels)):
            raise ValueError(f"impact {impact} outside 1..{len(self.impact_levels)}")
        code = self.grid[probability - 1][impact - 1]
        level = self.level(code)
        level["rank"] = self.level_rank(code)
        return level

    def probability_choices(self) -> list[tuple[int, str]]:
        return [(n + 1, f"{n + 1} · {localised(e)}") for n, e in enumerate(self.probability_levels)]

    def impact_choices(self) -> list[tuple[int, str]]:
        return [(n + 1, f"{n + 1} · {localised(e)}") for n, e in enumerate(self.impact_levels)]
