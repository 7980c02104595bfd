"""REST endpoints of the core app."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from sqms.core.api import views

router = DefaultRouter()
router.register("org-units", views.OrgUnitViewSet, basename="orgunit")
router.register("users", views.UserViewSet, basename="user")
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
router.register("tokens", views.ApiTokenViewSet, basename="apitoken")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
