"""UI URLs of the surveys app."""

from django.urls import URLPattern, URLResolver, path

from sqms.surveys import public, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("a/<str:token>/", public.survey_answer, name="survey_answer"),
    path("a/<str:token>/save/", public.survey_autosave, name="survey_autosave"),
    path("kiosk/", public.survey_kiosk_start, name="survey_kiosk_start"),
    path("kiosk/<int:unit_pk>/", public.survey_kiosk, name="survey_kiosk"),
    path("tickets/<int:ticket_pk>/phone/", public.survey_phone_entry, name="survey_phone_entry"),
    path("", views.survey_dashboard, name="survey_dashboard"),
    path("comments/", views.survey_comments, name="survey_comments"),
    path("responses/<int:pk>/", views.survey_response_detail, name="survey_response_detail"),
    path("export/answers.xlsx", views.survey_export_answers, name="survey_export_answers"),
    path("export/results.xlsx", views.survey_export_results, name="survey_export_results"),
    path("follow-ups/", views.survey_follow_up_list, name="survey_follow_up_list"),
    path("follow-ups/<int:pk>/", views.survey_follow_up_detail, name="survey_follow_up_detail"),
    path("templates/", views.survey_template_list, name="survey_template_list"),
    path("templates/<int:pk>/", views.survey_template_detail, name="survey_template_detail"),
    path("rules/", views.survey_rule_list, name="survey_rule_list"),
    path("rules/new/", views.survey_rule_edit, name="survey_rule_create"),
    path("rules/<int:pk>/edit/", views.survey_rule_edit, name="survey_rule_edit"),
    path("campaigns/", views.survey_campaign_list, name="survey_campaign_list"),
    path("campaigns/new/", views.survey_campaign_edit, name="survey_campaign_create"),
    path("campaigns/<int:pk>/edit/", views.survey_campaign_edit, name="survey_campaign_edit"),
    path("campaigns/<int:pk>/run/", views.survey_campaign_action, name="survey_campaign_action"),
]
