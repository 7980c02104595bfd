"""Top-level URLs: the UI, the REST API with its schema and docs, health, i18n."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from sqms.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/core/", include("sqms.core.api.urls")),
    path("api/servicedesk/", include("sqms.servicedesk.api.urls")),
    path("tickets/", include("sqms.servicedesk.urls")),
    path("", include("sqms.core.urls")),
]
