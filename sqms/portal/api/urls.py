"""REST endpoints of the portal app, mounted at /api/portal/ (public, no authentication)."""

from django.urls import URLPattern, URLResolver, path

from sqms.portal.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("form/", views.PortalFormView.as_view(), name="portal_api_form"),
    path("tickets/", views.SubmitView.as_view(), name="portal_api_submit"),
    path("track/", views.TrackView.as_view(), name="portal_api_track"),
]
