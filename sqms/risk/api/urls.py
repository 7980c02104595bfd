"""REST endpoints of the risk app, mounted at /api/risk/."""

from rest_framework.routers import DefaultRouter

from sqms.risk.api import views

router = DefaultRouter()
router.register("risks", views.RiskViewSet, basename="risk")
router.register("matrices", views.RiskMatrixViewSet, basename="riskmatrix")
router.register("simulations", views.MonteCarloRunViewSet, basename="montecarlorun")

urlpatterns = [*router.urls]
