"""UI URLs of the intake app, mounted at /intake/."""

from django.urls import path

from sqms.core.views import main_page
from sqms.intake import views

urlpatterns = [
    path("", main_page("intake_message_list"), name="intake_home"),
    path("messages/", views.message_list, name="intake_message_list"),
    path("messages/<int:pk>/", views.message_detail, name="intake_message_detail"),
    path("messages/<int:pk>/reprocess/", views.message_reprocess, name="intake_message_reprocess"),
    path("messages/<int:pk>/discard/", views.message_discard, name="intake_message_discard"),
    path("messages/<int:pk>/accept/", views.message_accept, name="intake_message_accept"),
    path("mailboxes/", views.mailbox_list, name="intake_mailbox_list"),
    path("mailboxes/new/", views.mailbox_create, name="intake_mailbox_create"),
    path("mailboxes/<int:pk>/", views.mailbox_detail, name="intake_mailbox_detail"),
    path("mailboxes/<int:pk>/edit/", views.mailbox_edit, name="intake_mailbox_edit"),
    path("mailboxes/<int:pk>/delete/", views.mailbox_delete, name="intake_mailbox_delete"),
    path("integrations/", views.integration_list, name="intake_integration_list"),
    path("integrations/new/", views.integration_create, name="intake_integration_create"),
    path("integrations/<int:pk>/", views.integration_detail, name="intake_integration_detail"),
    path("integrations/<int:pk>/edit/", views.integration_edit, name="intake_integration_edit"),
    path(
        "integrations/<int:pk>/rotate/", views.integration_rotate, name="intake_integration_rotate"
    ),
    path(
        "integrations/<int:pk>/deactivate/",
        views.integration_deactivate,
        name="intake_integration_deactivate",
    ),
]
