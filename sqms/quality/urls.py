"""UI URLs of the quality app (mounted at /quality/)."""

from django.urls import path

from sqms.quality import views

urlpatterns = [
    path("", views.dashboard, name="quality_dashboard"),
    path("indicators/", views.catalogue, name="quality_catalogue"),
    path("indicators/<slug:code>/", views.indicator_detail, name="quality_indicator"),
    path("indicators/<slug:code>/targets/", views.indicator_targets, name="quality_targets"),
    path("alerts/", views.alert_list, name="quality_alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="quality_alert_detail"),
    path("reports/", views.report_list, name="quality_report_list"),
    path("reports/<int:pk>/row/", views.report_status, name="quality_report_row"),
    path("reports/<int:pk>/<str:fmt>/", views.report_download, name="quality_report_download"),
]
