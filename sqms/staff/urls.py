"""UI URLs of the staff app, mounted at /staff/."""

from django.urls import path

from sqms.core.views import main_page
from sqms.staff import exam_views, exports, performance_views, views

urlpatterns = [
    path("", main_page("staff_me"), name="staff_home"),
    path("me/", views.me, name="staff_me"),
    path("people/", views.person_list, name="staff_person_list"),
    path("people/<int:pk>/", views.person_detail, name="staff_person_detail"),
    path("people/<int:pk>/profile/", views.profile_edit, name="staff_profile_edit"),
    path("people/<int:pk>/reveal/<str:field>/", views.profile_reveal, name="staff_profile_reveal"),
    path("people/<int:pk>/certify/", views.certification_grant, name="staff_certification_grant"),
    path(
        "certifications/<int:pk>/revoke/",
        views.certification_revoke,
        name="staff_certification_revoke",
    ),
    path("people/<int:pk>/competency/", views.competency_rate, name="staff_competency_rate"),
    *views.COMPETENCIES.urls("competencies"),
    *views.COURSES.urls("courses"),
    *views.SESSIONS.urls("sessions"),
    path("sessions/<int:pk>/enrol/", views.session_enrol, name="staff_session_enrol"),
    path(
        "enrolments/<int:pk>/attendance/",
        views.enrolment_attendance,
        name="staff_enrolment_attendance",
    ),
    path(
        "enrolments/<int:pk>/feedback/", views.enrolment_feedback, name="staff_enrolment_feedback"
    ),
    path("plans/export/", exports.export_plans, name="staff_plan_export"),
    *views.PLANS.urls("plans"),
    path("plans/<int:pk>/items/", views.plan_item_add, name="staff_plan_item_add"),
    path(
        "plans/<int:pk>/items/<int:item>/remove/",
        views.plan_item_remove,
        name="staff_plan_item_remove",
    ),
    path("training/overdue/", views.overdue, name="staff_overdue"),
    path("training/overdue/export/", exports.export_overdue, name="staff_overdue_export"),
    *views.QUESTIONS.urls("questions"),
    path("exams/", exam_views.exam_list, name="staff_exam_list"),
    path("exams/<int:pk>/", exam_views.exam_detail, name="staff_exam_detail"),
    *views.EXAMS.urls("exams", pages=("create", "edit", "delete")),
    path("exams/<int:pk>/start/", exam_views.exam_start, name="staff_exam_start"),
    path("exams/<int:pk>/results.xlsx", exports.export_results, name="staff_exam_export"),
    path("attempts/<int:pk>/", exam_views.attempt_page, name="staff_attempt"),
    path(
        "attempts/<int:pk>/mark/<int:position>/", exam_views.attempt_mark, name="staff_attempt_mark"
    ),
    *views.CERT_TYPES.urls("certification-types"),
    *views.WEIGHTS.urls("weights", pages=("list", "create", "detail", "edit")),
    path("scorecards/", performance_views.scorecard_list, name="staff_scorecard_list"),
    path(
        "scorecards/compute/", performance_views.scorecard_compute, name="staff_scorecard_compute"
    ),
    path("scorecards/export/", exports.export_scorecards, name="staff_scorecard_export"),
    path("rewards/", performance_views.reward_list, name="staff_reward_list"),
    path("rewards/new/", performance_views.reward_create, name="staff_reward_create"),
    path("rewards/<int:pk>/", performance_views.reward_detail, name="staff_reward_detail"),
    path("rewards/<int:pk>/edit/", performance_views.reward_edit, name="staff_reward_edit"),
    path("rewards/<int:pk>/delete/", performance_views.reward_delete, name="staff_reward_delete"),
    path("rewards/<int:pk>/decide/", performance_views.reward_decide, name="staff_reward_decide"),
]
