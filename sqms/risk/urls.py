"""UI URLs of the risk app, mounted at /risks/."""

from django.urls import path

from sqms.risk import matrix_views, simulation_views, views

urlpatterns = [
    path("", views.risk_list, name="risk_list"),
    path("export.xlsx", views.risk_export, name="risk_export"),
    path("new/", views.risk_create, name="risk_create"),
    path("heatmap/", views.risk_heatmap, name="risk_heatmap"),
    path("<int:pk>/", views.risk_detail, name="risk_detail"),
    path("<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("<int:pk>/controls/", views.risk_add_control, name="risk_add_control"),
    path(
        "<int:pk>/controls/<int:control_pk>/",
        views.risk_update_control,
        name="risk_update_control",
    ),
    path("<int:pk>/acceptances/", views.risk_accept, name="risk_accept"),
    path("<int:pk>/reviews/", views.risk_review, name="risk_review"),
    path("<int:pk>/status/", views.risk_close, name="risk_close"),
    path("<int:pk>/improvement/", views.risk_open_action, name="risk_open_action"),
    path("matrices/", matrix_views.matrix_list, name="riskmatrix_list"),
    path("matrices/import/", matrix_views.matrix_import, name="riskmatrix_import"),
    path("matrices/<int:pk>/", matrix_views.matrix_detail, name="riskmatrix_detail"),
    path("matrices/<int:pk>/edit/", matrix_views.matrix_edit, name="riskmatrix_edit"),
    path("matrices/<int:pk>/export/", matrix_views.matrix_export, name="riskmatrix_export"),
    path("matrices/<int:pk>/default/", matrix_views.matrix_default, name="riskmatrix_default"),
    path("matrices/<int:pk>/delete/", matrix_views.matrix_delete, name="riskmatrix_delete"),
    path("simulations/", simulation_views.run_list, name="montecarlo_list"),
    path("simulations/new/", simulation_views.run_create, name="montecarlo_create"),
    path("simulations/<int:pk>/", simulation_views.run_detail, name="montecarlo_detail"),
]
