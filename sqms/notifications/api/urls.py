"""REST endpoints of the notifications app, mounted at /api/notifications/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from sqms.notifications.api import views

router = DefaultRouter()
router.register("messages", views.OutboundMessageViewSet, basename="outboundmessage")
router.register("templates", views.NotificationTemplateViewSet, basename="notificationtemplate")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "tickets/<int:pk>/conversation/",
        views.ConversationView.as_view(),
        name="notifications_conversation",
    ),
    path("tickets/<int:pk>/reply/", views.ReplyView.as_view(), name="notifications_reply"),
    *router.urls,
]
