"""Ticket imports as background jobs: the upload is stored and queued, the worker checks and
imports it (sqms.servicedesk.importer) and records its progress and report on the job."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core.scope import unit_in_scope, unit_scope_filter
from sqms.servicedesk import importer
from sqms.servicedesk.models import ImportStatus, TicketImport

logger = logging.getLogger(__name__)

IMPORT = "servicedesk.import_ticket"
# The report keeps this many problems; the count keeps them all.
PROBLEMS_KEPT = 1000
# An import of MAX_ROWS rows takes minutes; one running for this long has lost its worker.
INTERRUPTED_AFTER = timedelta(hours=1)


def start_import(
    upload: UploadedFile, *, actor: Any, skip_invalid: bool = False, dry_run: bool = False
) -> TicketImport:
    """Store the file and queue its import for the worker."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(IMPORT):
        raise PermissionDenied(_("You are not allowed to import tickets."))
    from sqms.servicedesk.tasks import run_ticket_import

    with transaction.atomic():
        job = TicketImport(
            original_name=(upload.name or "import")[:255],
            created_by=actor,
            org_unit=getattr(actor, "org_unit", None),
            skip_invalid=skip_invalid,
            dry_run=dry_run,
        )
        job.file.save(upload.name or "import", upload, save=False)
        job.save()
        transaction.on_commit(lambda: run_ticket_import.enqueue(job.pk))
    return job


def run_import(job_id: int) -> TicketImport:
    """Check and import one queued file. Runs once: a job already started is left alone (one
    whose worker died stays "running" until end_interrupted closes it; it never runs twice)."""
    claimed = TicketImport.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job = TicketImport.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job

    def progress(checked: int, rows: int) -> None:
        TicketImport.objects.filter(pk=job_id).update(checked=checked, rows=rows)

    # The report is stored as text: write it in the language of the user who reads it (the
    # worker itself runs in the default language).
    language = getattr(job.created_by, "language", "") or settings.LANGUAGE_CODE
    try:
        with job.file.open("rb") as stream:
            data = stream.read()
        with translation.override(language):
            result = importer.import_tickets(
                job.original_name,
                data,
                actor=job.created_by,
                skip_invalid=job.skip_invalid,
                dry_run=job.dry_run,
                progress=progress,
            )
    except Exception as error:  # a bug must end the job visibly, not leave it running
        logger.exception("ticket import %s failed", job_id)
        job.status, job.error = ImportStatus.FAILED, str(error)[:2000]
    else:
        job.status = ImportStatus.DONE
        job.rows, job.checked = result.rows, result.rows
        job.imported, job.skipped = result.imported, result.skipped
        job.problem_count = len(result.problems)
        job.problems = [[p.row, p.field, p.message] for p in result.problems[:PROBLEMS_KEPT]]
        if result.numbers:
            job.first_number, job.last_number = result.numbers[0], result.numbers[-1]
    job.finished_at = timezone.now()
    # The file holds customers' names and phones: it goes once it has served.
    job.file.delete(save=False)
    job.save()
    return job


def end_interrupted(now: Any = None) -> int:
    """Imports still "running" long after they started were cut off with their worker; their
    one transaction rolled back, so nothing was imported. Say so, and drop the file."""
    cutoff = (now or timezone.now()) - INTERRUPTED_AFTER
    stale = list(TicketImport.objects.filter(status=ImportStatus.RUNNING, started_at__lt=cutoff))
    for job in stale:
        job.status = ImportStatus.FAILED
        job.error = _("The import was interrupted (the worker stopped); nothing was imported.")
        job.finished_at = timezone.now()
        job.file.delete(save=False)
        job.save()
    return len(stale)


def visible_imports(user: Any) -> QuerySet[TicketImport]:
    """The user's own imports, and those of the units in their scope for importers."""
    if not user.is_authenticated:
        return TicketImport.objects.none()
    if not user.has_perm(IMPORT):
        return TicketImport.objects.filter(created_by=user)
    return TicketImport.objects.filter(unit_scope_filter(user, "org_unit") | Q(created_by=user))


def access_import(user: Any, pk: int) -> TicketImport:
    job = TicketImport.objects.select_related("created_by", "org_unit").filter(pk=pk).first()
    if job is None:
        raise Http404(_("No such import."))
    mine = job.created_by_id == user.pk
    if not mine and not (user.has_perm(IMPORT) and unit_in_scope(user, job.org_unit)):
        raise Http404(_("No such import."))
    return job
