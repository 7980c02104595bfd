"""Models of the risk app."""

from sqms.risk.models.matrix import RiskMatrix, localised
from sqms.risk.models.register import (
    RATINGS,
    Risk,
    RiskAcceptance,
    RiskControl,
    RiskHistory,
    RiskQuerySet,
    RiskReview,
)
from sqms.risk.models.simulation import DEFAULT_ITERATIONS, MonteCarloRun

__all__ = [
    "DEFAULT_ITERATIONS",
    "RATINGS",
    "MonteCarloRun",
    "Risk",
    "RiskAcceptance",
    "RiskControl",
    "RiskHistory",
    "RiskMatrix",
    "RiskQuerySet",
    "RiskReview",
    "localised",
]
