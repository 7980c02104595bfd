"""Enumerations of the core app, with zh-Hans/English labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    BRANCH = "branch", _("Branch")
    HALL = "hall", _("Service hall")
    COUNTER = "counter", _("Counter")
    CALL_CENTRE = "call_centre", _("Call centre")
    TEAM = "team", _("Team")
    DEPARTMENT = "department", _("Department")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    REVEAL = "reveal", _("Reveal personal data")
    LOGIN = "login", _("Log in")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    LOGOUT = "logout", _("Log out")
    EXPORT = "export", _("Export")
    TRANSITION = "transition", _("State change")
    SECURITY = "security", _("Security setting")
    MERGE = "merge", _("Merge records")
    BACKUP = "backup", _("Backup")
    RESTORE = "restore", _("Restore")
