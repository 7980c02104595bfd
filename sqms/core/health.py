"""Health checks for /healthz: the database answers and a worker has beaten recently."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone


def check() -> dict[str, Any]:
    report: dict[str, Any] = {"database": False, "worker": False}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = True
        from sqms.core.models import WorkerHeartbeat

        stale_after = timedelta(seconds=3 * settings.SQMS_WORKER_HEARTBEAT_SECONDS)
        latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True)
        seen = latest.first()
        report["worker"] = bool(seen and timezone.now() - seen <= stale_after)
        report["worker_seen_at"] = seen.isoformat() if seen else None
    except DatabaseError as error:
        report["error"] = type(error).__name__
    report["ok"] = report["database"] and report["worker"]
    return report
