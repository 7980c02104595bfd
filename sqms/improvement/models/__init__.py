"""Models of the improvement app."""

from sqms.improvement.models.actions import (
    ActionEvent,
    EffectivenessCheck,
    ImprovementAction,
    ImprovementActionQuerySet,
)

__all__ = ["ActionEvent", "EffectivenessCheck", "ImprovementAction", "ImprovementActionQuerySet"]
