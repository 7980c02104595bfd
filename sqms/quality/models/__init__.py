"""Models of the quality app: the indicator catalogue and targets, the daily rollups, early
warning and evaluation reports."""

from sqms.quality.models.alerts import Alert, AlertRule
from sqms.quality.models.catalogue import Indicator, Target
from sqms.quality.models.facts import DailyFact, RollupState, UnitDayFact, UnitMonthFact
from sqms.quality.models.reports import EvaluationReport

__all__ = [
    "Alert",
    "AlertRule",
    "DailyFact",
    "EvaluationReport",
    "Indicator",
    "RollupState",
    "Target",
    "UnitDayFact",
    "UnitMonthFact",
]
