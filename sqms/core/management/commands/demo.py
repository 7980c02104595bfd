"""`sqms demo`: install the demo organisation (see sqms.core.demo) and show its log-ins once."""

import time
import unicodedata
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sqms.core import demo
from sqms.core.app_modules import later_app_modules
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


def positive_int(value: str) -> int:
    try:
        number = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        number = 0
    if number < 1:
        raise ArgumentTypeError(_("a whole number of tickets, 1 or more"))
    return number


class Command(BaseCommand):
    help = "Create a demo organisation (华南通信 Huanan Telecom) with one user per role."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--password",
            default=None,
            help="One known password for every demo user (for tests and CI); "
            "by default each gets a random one, shown once.",
        )
        parser.add_argument(
            "--scale",
            type=positive_int,
            default=None,
            metavar="N",
            help="Grow the service history to N tickets (default: a few thousand; up to "
            "10,000,000 in bulk, with progress). Run it again to continue after an interruption.",
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
        else:
            self.show_users(result, options["password"])
        if options["scale"]:
            self.scale(options["scale"])

    def scale(self, target: int) -> None:
        started = time.monotonic()

        def progress(step: str, done: int, total: int) -> None:
            end = "\n" if done >= total else ""
            elapsed = time.monotonic() - started
            self.stdout.write(f"\r{step}: {done:,} / {total:,}  {elapsed:.0f} s", ending=end)
            self.stdout.flush()

        held = [m.scale(target, progress) for m in later_app_modules("demo") if hasattr(m, "scale")]
        if held:
            self.stdout.write(
                _("The demo history holds %(count)s tickets.") % {"count": f"{max(held):,}"}
            )

    def show_users(self, result: Any, password: str | None) -> None:
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
        if password is None:
            self.stdout.write(
                self.style.WARNING(_("Write these passwords down now: they are not shown again."))
            )
