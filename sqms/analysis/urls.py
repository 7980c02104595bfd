"""UI URLs of the analysis app, mounted at /analysis/."""

from django.urls import path

from sqms.analysis import views

urlpatterns = [
    path("", views.analysis_home, name="analysis_home"),
    path("hotspots/", views.hotspot_list, name="analysis_hotspot_list"),
    path("hotspots/recompute/", views.hotspot_recompute, name="analysis_hotspot_recompute"),
    path("hotspots/<int:pk>/", views.hotspot_detail, name="analysis_hotspot_detail"),
    path("segments/", views.segmentation_list, name="analysis_segmentation_list"),
    path(
        "segments/recompute/",
        views.segmentation_recompute,
        name="analysis_segmentation_recompute",
    ),
    path("segments/<int:pk>/", views.segmentation_detail, name="analysis_segmentation_detail"),
    path("associations/", views.association_list, name="analysis_association_list"),
    path(
        "associations/recompute/",
        views.association_recompute,
        name="analysis_association_recompute",
    ),
    path("associations/<int:pk>/", views.association_detail, name="analysis_association_detail"),
    path("forecasts/", views.forecast_list, name="analysis_forecast_list"),
    path("forecasts/recompute/", views.forecast_recompute, name="analysis_forecast_recompute"),
    path("forecasts/<int:pk>/", views.forecast_detail, name="analysis_forecast_detail"),
]
