"""Django's model backend, with a user's own and group permissions loaded in one query.

Every API request checks a permission; the stock backend reads user permissions and group
permissions with two queries. The result is the same set, cached on the user object for the
request as Django does.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class ModelPermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            names = "content_type__app_label", "codename"
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*names)
            else:
                own = Permission.objects.filter(user=user_obj).values_list(*names)
                via_groups = Permission.objects.filter(group__user=user_obj).values_list(*names)
                rows = own.order_by().union(via_groups.order_by()).order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
