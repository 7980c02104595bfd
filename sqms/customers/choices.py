"""Enumerations of the customers app: profile attributes, consent, retention."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("Not stated")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Segment(models.TextChoices):
    """Segment and value tier (客户分群/价值等级)."""

    MASS = "mass", _("Mass market")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    PLATINUM = "platinum", _("Platinum")
    ENTERPRISE = "enterprise", _("Government and enterprise")


class PreferredChannel(models.TextChoices):
    COUNTER = "counter", _("Service hall")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    APP = "app", _("App")


class Classification(models.TextChoices):
    """Data classification level (数据分级)."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    SENSITIVE = "sensitive", _("Sensitive")
    CONFIDENTIAL = "confidential", _("Confidential")


CLASSIFICATION_COLOURS = {
    Classification.PUBLIC: "secondary",
    Classification.INTERNAL: "info",
    Classification.SENSITIVE: "warning",
    Classification.CONFIDENTIAL: "danger",
}


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("Service notifications")
    SURVEY = "survey", _("Satisfaction surveys")
    MARKETING = "marketing", _("Marketing")
    SHARING = "sharing", _("Sharing with partners")


class ConsentChannel(models.TextChoices):
    COUNTER = "counter", _("Signed at the counter")
    PHONE = "phone", _("Recorded call")
    SMS = "sms", _("Text message reply")
    WEB = "web", _("Website or app")
    PAPER = "paper", _("Paper form")


class RecordType(models.TextChoices):
    """What a retention rule applies to."""

    INACTIVE_CUSTOMER = "inactive_customer", _("Customers without activity")
    TICKET_PERSONAL_DATA = "ticket_personal_data", _("Personal fields of closed tickets")
    SURVEY_FREE_TEXT = "survey_free_text", _("Free text of survey answers")


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymise")
    DESTROY = "destroy", _("Destroy")


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    FROM_18 = "18_29", _("18–29")
    FROM_30 = "30_44", _("30–44")
    FROM_45 = "45_59", _("45–59")
    FROM_60 = "60_plus", _("60 and over")
