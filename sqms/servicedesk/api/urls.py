"""REST endpoints of the service desk, mounted at /api/servicedesk/."""

from rest_framework.routers import DefaultRouter

from sqms.servicedesk.api import views, visits

router = DefaultRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("visits", visits.CounterVisitViewSet, basename="countervisit")

urlpatterns = [*router.urls]
