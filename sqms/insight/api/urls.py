"""REST endpoints of the insight app, mounted at /api/insight/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from sqms.insight.api import views

router = DefaultRouter()
router.register("models", views.TextModelViewSet, basename="textmodel")

urlpatterns: list[URLPattern | URLResolver] = [
    path("suggest/", views.SuggestView.as_view(), name="insight_suggest"),
    *router.urls,
]
