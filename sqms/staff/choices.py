"""Enumerations of the staff app, with zh-Hans/English labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CourseType(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    JOB_SKILLS = "job_skills", _("Job skills")
    PRODUCT = "product", _("Product knowledge")
    SPECIAL = "special", _("Special topic")
    SECURITY = "security", _("Information security awareness")
    EMERGENCY = "emergency", _("Emergency")


class CourseMode(models.TextChoices):
    CLASSROOM = "classroom", _("Classroom")
    ONLINE = "online", _("Online")
    ROLE_PLAY = "role_play", _("Role play")
    CASE_STUDY = "case_study", _("Case study")
    DRILL = "drill", _("Drill")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True / false")
    SHORT = "short", _("Short answer")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("Easy")
    MEDIUM = 2, _("Medium")
    HARD = 3, _("Hard")


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", pgettext_lazy("exam attempt", "In progress")
    AWAITING_MARKING = "awaiting_marking", _("Awaiting marking")
    PASSED = "passed", _("Passed")
    FAILED = "failed", pgettext_lazy("exam attempt", "Failed")


class Enforcement(models.TextChoices):
    WARN = "warn", _("Warn the agent")
    BLOCK = "block", _("Refuse the registration")


class RecordKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    PENALTY = "penalty", _("Penalty")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
