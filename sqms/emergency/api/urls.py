"""REST endpoints of emergency response, mounted at /api/emergency/."""

from rest_framework.routers import DefaultRouter

from sqms.emergency.api import views

router = DefaultRouter()
router.register("plans", views.PlanViewSet, basename="emergencyplan")
router.register("plan-versions", views.PlanVersionViewSet, basename="planversion")
router.register("critical-services", views.CriticalServiceViewSet, basename="criticalservice")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("drill-programmes", views.ProgrammeViewSet, basename="drillprogramme")
router.register("drills", views.DrillViewSet, basename="drill")

urlpatterns = [*router.urls]
