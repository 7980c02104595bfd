"""REST endpoints of the intake app, mounted at /api/intake/."""

from django.urls import URLPattern, URLResolver, re_path
from rest_framework.routers import DefaultRouter

from sqms.intake.api import views

router = DefaultRouter()
router.register("mailboxes", views.MailboxViewSet, basename="mailbox")
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("messages", views.InboundMessageViewSet, basename="inboundmessage")

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(
        r"^(?P<channel>app|wechat|social|api)/$", views.WebhookView.as_view(), name="intake_webhook"
    ),
    *router.urls,
]
