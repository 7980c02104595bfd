"""REST endpoints of the inspections app, mounted at /api/inspections/."""

from rest_framework.routers import DefaultRouter

from sqms.inspections.api import views

router = DefaultRouter()
router.register("checklists", views.ChecklistViewSet, basename="inspections-checklist")
router.register("inspections", views.InspectionViewSet, basename="inspections-inspection")
router.register("findings", views.FindingViewSet, basename="inspections-finding")
router.register("plans", views.SamplingPlanViewSet, basename="inspections-plan")
router.register("reviews", views.TicketReviewViewSet, basename="inspections-review")

urlpatterns = [*router.urls]
