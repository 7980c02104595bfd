"""REST endpoints of improvement actions, mounted at /api/improvement/."""

from rest_framework.routers import DefaultRouter

from sqms.improvement.api import views

router = DefaultRouter()
router.register("actions", views.ImprovementActionViewSet, basename="improvementaction")

urlpatterns = [*router.urls]
