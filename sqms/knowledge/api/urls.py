"""REST endpoints of the knowledge base, mounted at /api/knowledge/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from sqms.knowledge.api import views

router = DefaultRouter()
router.register("articles", views.ArticleViewSet, basename="article")

urlpatterns: list[URLPattern | URLResolver] = [
    path("search/", views.ArticleSearchView.as_view(), name="knowledge-search"),
    *router.urls,
]
