"""REST endpoints of the analysis app, mounted at /api/analysis/."""

from rest_framework.routers import DefaultRouter

from sqms.analysis.api import views

router = DefaultRouter()
router.register("hotspot-reports", views.HotspotReportViewSet, basename="hotspotreport")
router.register("segmentation-runs", views.SegmentationRunViewSet, basename="segmentationrun")
router.register("association-runs", views.AssociationRunViewSet, basename="associationrun")
router.register("forecast-runs", views.ForecastRunViewSet, basename="forecastrun")

urlpatterns = [*router.urls]
