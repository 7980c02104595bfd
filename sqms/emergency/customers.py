"""Where telling affected customers plugs in.

The customer channels (SMS, WeChat, e-mail) arrive with a later issue; that app registers a
notifier here from its AppConfig.ready()::

    from sqms.emergency import customers
    customers.register(send_outage_notice)   # send_outage_notice(incident, notice) -> int

Until then a public notice reaches customers through the public service-status page only.
Drills never call this (sqms.emergency.services.incidents.publish_notice).
"""

from collections.abc import Callable
from typing import Any

CustomerNotifier = Callable[[Any, Any], int]

# Filled at start-up (AppConfig.ready) and only read afterwards.
_notifiers: list[CustomerNotifier] = []


def register(notifier: CustomerNotifier) -> None:
    if notifier not in _notifiers:
        _notifiers.append(notifier)


def unregister(notifier: CustomerNotifier) -> None:
    if notifier in _notifiers:
        _notifiers.remove(notifier)


def notify_affected_customers(incident: Any, notice: Any) -> int:
    """Hand a public notice to every registered channel; returns how many customers were told."""
    if incident.is_drill:
        return 0
    return sum(notifier(incident, notice) for notifier in list(_notifiers))
