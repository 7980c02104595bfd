"""REST API of the quality app (mounted at /api/quality/)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from sqms.quality.api import views

router = DefaultRouter()
router.register("indicators", views.IndicatorViewSet, basename="quality-indicator")
router.register("targets", views.TargetViewSet, basename="quality-target")
router.register("alerts", views.AlertViewSet, basename="quality-alert")
router.register("reports", views.ReportViewSet, basename="quality-report")

urlpatterns = [
    path("values/", views.ValuesView.as_view(), name="quality-values"),
    *router.urls,
]
