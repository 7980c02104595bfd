"""UI URLs of the notifications app, mounted at /notifications/."""

from django.urls import URLPattern, URLResolver, path

from sqms.core.views import main_page
from sqms.notifications import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", main_page("notifications_message_list"), name="notifications_home"),
    path("messages/", views.message_list, name="notifications_message_list"),
    path("messages/<int:pk>/retry/", views.message_retry, name="notifications_message_retry"),
    path("templates/", views.template_list, name="notifications_template_list"),
    path("templates/<int:pk>/", views.template_edit, name="notifications_template_edit"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="notifications_ticket_reply"),
]
