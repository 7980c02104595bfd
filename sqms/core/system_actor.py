"""The account that acts for the system itself: the mail gateway, the customer portal, inbound
webhooks and other work no logged-in user does.

It is a superuser (services check permissions and scope the same way for everyone) that can
never log in: its password is unusable. Audit events and timeline lines show it by name.
"""

from typing import Any

from django.contrib.auth import get_user_model

SYSTEM_USERNAME = "sqms-system"


def system_actor() -> Any:
    """The system account, created on first use."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_superuser": True, "is_staff": False, "first_name": "system"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_actor(user: Any) -> bool:
    return getattr(user, "username", None) == SYSTEM_USERNAME
