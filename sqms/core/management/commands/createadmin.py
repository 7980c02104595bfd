"""`sqms createadmin`: create, or promote, a superuser with the admin role in the top org unit."""

import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import bootstrap, services
from sqms.core.errors import DomainError
from sqms.core.models import OrgUnit, User

PASSWORD_ENV = "SQMS_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a password
ADMIN_ROLE = "admin"


def top_unit() -> OrgUnit | None:
    return OrgUnit.objects.get_root_nodes().order_by("path").first()


def create_or_promote(username: str, *, email: str, password: str | None) -> tuple[User, bool]:
    """Return (user, created). An existing user keeps their password unless one is given."""
    with transaction.atomic():
        unit = top_unit()
        user = User.objects.filter(username=username).first()
        if user is None:
            if not password:
                raise CommandError(_("A new administrator needs a password."))
            user = bootstrap.create_user(
                password=password,
                roles=[ADMIN_ROLE],
                superuser=True,
                username=username,
                email=email,
                org_unit=unit,
            )
            return user, True
        user = bootstrap.make_superuser(user, roles=[ADMIN_ROLE])
        if password:
            services.set_password(user, password, actor=user)
        if user.org_unit is None and unit is not None:
            services.update_user(user, actor=user, org_unit=unit)
    return user, False


class Command(BaseCommand):
    help = (
        "Create a superuser with the admin role in the top org unit, or promote an existing "
        "user to one."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", default="admin", help="Log-in name (default: admin).")
        parser.add_argument("--email", default="", help="E-mail address.")
        parser.add_argument(
            "--password",
            default=None,
            help=f"The password (else {PASSWORD_ENV} with --noinput, else asked for).",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Ask nothing; the password comes from --password or {PASSWORD_ENV}.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username:
            raise CommandError(_("The username must not be empty."))
        exists = User.objects.filter(username=username).exists()
        password = options["password"]
        if password is None and not options["interactive"]:
            password = os.environ.get(PASSWORD_ENV) or None
            if password is None and not exists:
                raise CommandError(
                    _("With --noinput, give --password or set %(env)s.") % {"env": PASSWORD_ENV}
                )
        if password is None and options["interactive"] and not exists:
            password = self.ask_password(username, options["email"])
        if password is not None:
            self.validate(password, username, options["email"])
        try:
            user, created = create_or_promote(username, email=options["email"], password=password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except DomainError as error:
            raise CommandError(error.message) from error
        unit = user.org_unit.name if user.org_unit else _("no org unit yet")
        if created:
            message = _("Administrator %(username)s created (%(unit)s).")
        else:
            message = _("%(username)s is now an administrator (%(unit)s).")
        self.stdout.write(message % {"username": username, "unit": unit})

    def validate(self, password: str, username: str, email: str) -> None:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def ask_password(self, username: str, email: str) -> str:
        while True:
            try:
                password = getpass.getpass(_("Password: "))
                again = getpass.getpass(_("Password (again): "))
            except (EOFError, KeyboardInterrupt):
                raise CommandError(_("Cancelled; nothing was created.")) from None
            if password != again:
                self.stderr.write(_("The two passwords differ; try again."))
                continue
            try:
                validate_password(password, User(username=username, email=email))
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            return password
