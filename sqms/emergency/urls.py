"""UI URLs of emergency response, mounted at /emergency/ (the public status page: /status/)."""

from django.urls import path

from sqms.emergency import views

app_name = "emergency"

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/act/<slug:name>/", views.incident_action, name="incident_action"),
    path("incidents/<int:pk>/tasks/<int:task_pk>/done/", views.task_done, name="task_done"),
    path(
        "incidents/<int:pk>/notices/<int:notice_pk>/withdraw/",
        views.notice_withdraw,
        name="notice_withdraw",
    ),
    path(
        "incidents/<int:pk>/review-actions/<int:action_pk>/remove/",
        views.review_action_remove,
        name="review_action_remove",
    ),
    path("incidents/<int:pk>/review.pdf", views.review_pdf, name="review_pdf"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/new-draft/", views.plan_new_draft, name="plan_new_draft"),
    path("plans/versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("plans/versions/<int:pk>/approve/", views.version_approve, name="version_approve"),
    path("plans/versions/<int:pk>/pdf/", views.version_pdf, name="version_pdf"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/new/", views.drill_create, name="drill_create"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/delete/", views.programme_delete, name="programme_delete"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
]
