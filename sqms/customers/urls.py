"""UI URLs of the customers app, mounted at /customers/."""

from django.urls import path

from sqms.customers import views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("export/", views.customer_export, name="customer_export"),
    path("retention/", views.retention_overview, name="customer_retention"),
    path("retention/run/", views.retention_run, name="customer_retention_run"),
    path("retention/<int:pk>/", views.retention_rule_edit, name="customer_retention_rule"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/delete/", views.customer_delete, name="customer_delete"),
    path("<int:pk>/reveal/<str:field>/", views.customer_reveal, name="customer_reveal"),
    path("<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("<int:pk>/legal-hold/", views.customer_legal_hold, name="customer_legal_hold"),
    path("<int:pk>/merge/", views.customer_merge, name="customer_merge"),
    path("<int:pk>/erase/", views.customer_erase, name="customer_erase"),
]
