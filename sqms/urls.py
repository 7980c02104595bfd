"""Top-level URLs: the UI, the REST API with its schema and docs, health, i18n."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from sqms.core import views as core_views
from sqms.emergency import views as emergency_views

handler404 = core_views.page_not_found

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/core/", include("sqms.core.api.urls")),
    path("api/servicedesk/", include("sqms.servicedesk.api.urls")),
    path("api/staff/", include("sqms.staff.api.urls")),
    path("staff/", include("sqms.staff.urls")),
    path("tickets/", include("sqms.servicedesk.urls")),
    path("api/quality/", include("sqms.quality.api.urls")),
    path("quality/", include("sqms.quality.urls")),
    path("api/customers/", include("sqms.customers.api.urls")),
    path("customers/", include("sqms.customers.urls")),
    path("api/emergency/", include("sqms.emergency.api.urls")),
    path("emergency/", include("sqms.emergency.urls")),
    path("status/", emergency_views.service_status, name="service_status"),
    path("api/risk/", include("sqms.risk.api.urls")),
    path("risks/", include("sqms.risk.urls")),
    path("api/improvement/", include("sqms.improvement.api.urls")),
    path("improvement/", include("sqms.improvement.urls")),
    path("api/notifications/", include("sqms.notifications.api.urls")),
    path("notifications/", include("sqms.notifications.urls")),
    path("api/intake/", include("sqms.intake.api.urls")),
    path("intake/", include("sqms.intake.urls")),
    path("api/portal/", include("sqms.portal.api.urls")),
    path("api/surveys/", include("sqms.surveys.api.urls")),
    path("surveys/", include("sqms.surveys.urls")),
    path("api/inspections/", include("sqms.inspections.api.urls")),
    path("inspections/", include("sqms.inspections.urls")),
    path("api/knowledge/", include("sqms.knowledge.api.urls")),
    path("knowledge/", include("sqms.knowledge.urls")),
    path("api/insight/", include("sqms.insight.api.urls")),
    path("insight/", include("sqms.insight.urls")),
    path("api/analysis/", include("sqms.analysis.api.urls")),
    path("analysis/", include("sqms.analysis.urls")),
    path("portal/", include("sqms.portal.urls")),
    path("", include("sqms.core.urls")),
]

# A lost database connection answers 503 with Retry-After instead of a server error.
handler500 = "sqms.core.error_views.server_error"
