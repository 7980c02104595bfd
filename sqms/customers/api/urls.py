"""REST endpoints of the customers app, mounted at /api/customers/."""

from rest_framework.routers import DefaultRouter

from sqms.customers.api import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("consents", views.ConsentViewSet, basename="consent")

urlpatterns = [*router.urls]
