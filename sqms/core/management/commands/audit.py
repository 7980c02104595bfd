"""`sqms audit verify`: check the audit log's hash chain end to end."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.models import AuditEvent


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks that no event was edited, inserted or deleted."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        subcommands.add_parser(
            "verify",
            help="Walk the hash chain; exit 1 at the first broken event.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify()

    def verify(self) -> None:
        count, problem = audit.verify_chain()
        if problem is None:
            self.stdout.write(_("OK: %(count)d events verified") % {"count": count})
            return
        message = _("Audit chain broken: %(problem)s (%(count)d events before it are intact)") % {
            "problem": problem.message,
            "count": count,
        }
        event = AuditEvent.objects.filter(seq=problem.seq).first() if problem.seq else None
        if event is not None:
            message += "\n" + _(
                "Event #%(seq)d: %(time)s %(actor)s %(action)s %(type)s:%(id)s %(object)s"
            ) % {
                "seq": event.seq,
                "time": event.created_at.isoformat(),
                "actor": event.actor_repr or "-",
                "action": event.action,
                "type": event.object_type,
                "id": event.object_id,
                "object": event.object_repr,
            }
        raise CommandError(message, returncode=1)
