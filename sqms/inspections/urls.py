"""UI URLs of the inspections app, mounted at /inspections/."""

from django.urls import path

from sqms.inspections import checklist_views, reports, review_views, views

urlpatterns = [
    path("", views.inspection_list, name="inspections_inspection_list"),
    path("new/", views.inspection_create, name="inspections_inspection_create"),
    path("export.xlsx", reports.inspection_export, name="inspections_inspection_export"),
    path("results/", reports.results, name="inspections_results"),
    path("<int:pk>/", views.inspection_detail, name="inspections_inspection_detail"),
    path("<int:pk>/edit/", views.inspection_edit, name="inspections_inspection_edit"),
    path("<int:pk>/delete/", views.inspection_delete, name="inspections_inspection_delete"),
    path("<int:pk>/score/", views.inspection_score, name="inspections_inspection_score"),
    path("<int:pk>/start/", views.inspection_start, name="inspections_inspection_start"),
    path("<int:pk>/submit/", views.inspection_submit, name="inspections_inspection_submit"),
    path("<int:pk>/review/", views.inspection_review, name="inspections_inspection_review"),
    path("<int:pk>/photos/", views.photo_upload, name="inspections_photo_upload"),
    path("<int:pk>/findings/", views.finding_add, name="inspections_finding_add"),
    path("photos/<int:pk>/", views.photo_view, name="inspections_photo"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="inspections_photo_delete"),
    path("findings/", views.finding_list, name="inspections_finding_list"),
    path(
        "findings/<int:pk>/action/",
        views.finding_open_action,
        name="inspections_finding_open_action",
    ),
    path("checklists/", checklist_views.checklist_list, name="inspections_checklist_list"),
    path(
        "checklists/<int:pk>/",
        checklist_views.checklist_detail,
        name="inspections_checklist_detail",
    ),
    path(
        "checklists/<int:pk>/edit/",
        checklist_views.checklist_edit,
        name="inspections_checklist_edit",
    ),
    path(
        "checklists/templates/<int:pk>/new-version/",
        checklist_views.checklist_new_version,
        name="inspections_checklist_new_version",
    ),
    path("plans/", review_views.plan_list, name="inspections_plan_list"),
    path("plans/new/", review_views.plan_create, name="inspections_plan_create"),
    path("plans/<int:pk>/", review_views.plan_detail, name="inspections_plan_detail"),
    path("plans/<int:pk>/edit/", review_views.plan_edit, name="inspections_plan_edit"),
    path("plans/<int:pk>/delete/", review_views.plan_delete, name="inspections_plan_delete"),
    path("plans/<int:pk>/draw/", review_views.plan_draw, name="inspections_plan_draw"),
    path("reviews/", review_views.review_list, name="inspections_review_list"),
    path("reviews/export.xlsx", reports.review_export, name="inspections_review_export"),
    path("reviews/<int:pk>/", review_views.review_detail, name="inspections_review_detail"),
]
