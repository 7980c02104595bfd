"""`sqms demo`: install the demo organisation (see sqms.core.demo) and show its log-ins once."""

import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sqms.core import demo
from sqms.core.errors import DomainError
from sqms.core.roles import ROLE_LABELS


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (
            cell + " " * (width - display_width(cell))
            for cell, width in zip(cells, widths, strict=True)
        )
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


class Command(BaseCommand):
    help = "Create a demo organisation (华南通信 Huanan Telecom) with one user per role."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--password",
            default=None,
            help="One known password for every demo user (for tests and CI); "
            "by default each gets a random one, shown once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo.install(password=options["password"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except DomainError as error:
            raise CommandError(error.message) from error
        if not result.created:
            self.stdout.write(_("The demo data is already there; nothing was created."))
            return
        rows = [
            [
                str(ROLE_LABELS[item.role]),
                item.user.username,
                item.user.get_full_name(),
                item.user.org_unit.name if item.user.org_unit else "",
                item.password,
            ]
            for item in result.users
        ]
        header = [_("Role"), _("Username"), _("Name"), _("Org unit"), _("Password")]
        self.stdout.write(_("Demo organisation %(name)s created.") % {"name": demo.UNITS[0].name})
        self.stdout.write(format_table(header, rows))
        if options["password"] is None:
            self.stdout.write(
                self.style.WARNING(_("Write these passwords down now: they are not shown again."))
            )
