"""UI URLs of improvement actions, mounted at /improvement/."""

from django.urls import path

from sqms.improvement import views

urlpatterns = [
    path("", views.improvement_board, name="improvement_board"),
    path("actions/", views.improvement_action_list, name="improvement_action_list"),
    path("actions/export.xlsx", views.improvement_action_export, name="improvement_action_export"),
    path("actions/new/", views.improvement_action_create, name="improvement_action_create"),
    path("actions/<int:pk>/", views.improvement_action_detail, name="improvement_action_detail"),
    path("actions/<int:pk>/plan/", views.improvement_action_plan, name="improvement_action_plan"),
    path("actions/<int:pk>/step/", views.improvement_action_step, name="improvement_action_step"),
    path(
        "actions/<int:pk>/progress/",
        views.improvement_action_progress,
        name="improvement_action_progress",
    ),
    path(
        "actions/<int:pk>/check/", views.improvement_action_check, name="improvement_action_check"
    ),
]
