"""Models of the customers app."""

from sqms.customers.models.customers import Consent, Customer, CustomerQuerySet
from sqms.customers.models.retention import DestructionLog, RetentionRule

__all__ = ["Consent", "Customer", "CustomerQuerySet", "DestructionLog", "RetentionRule"]
