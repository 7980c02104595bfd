"""Permission- and scope-checked fetches of customers: what views and the API read through."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.customers.models import Consent, Customer

VIEW_CUSTOMER = "customers.view_customer"


def visible_customers(user: Any) -> QuerySet[Customer]:
    """The customers `user` may see (none without the view permission), ready for a list."""
    if not user.is_authenticated or not user.has_perm(VIEW_CUSTOMER):
        return Customer.objects.none()
    return Customer.objects.visible_to(user).select_related("org_unit")


def access_customer(user: Any, pk: Any) -> Customer:
    """One customer in the user's scope; 404 outside it, 403 without the view permission."""
    if not user.is_authenticated or not user.has_perm(VIEW_CUSTOMER):
        raise PermissionDenied(_("You may not view customers."))
    try:
        return Customer.objects.visible_to(user).select_related("org_unit").get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such customer.")) from missing


def access_consent(user: Any, pk: Any) -> Consent:
    if not user.is_authenticated or not user.has_perm(VIEW_CUSTOMER):
        raise PermissionDenied(_("You may not view customers."))
    try:
        return Consent.objects.select_related("customer__org_unit").get(
            pk=pk, customer__in=Customer.objects.visible_to(user)
        )
    except (Consent.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such consent.")) from missing
