"""UI URLs of the portal app (mounted at /portal/, no log-in)."""

from django.urls import URLPattern, URLResolver, path

from sqms.portal import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="portal_home"),
    path("submit/", views.submit, name="portal_submit"),
    path("submitted/<str:number>/", views.submitted, name="portal_submitted"),
    path("track/", views.track, name="portal_track"),
    path("l/<str:token>/", views.open_link, name="portal_link"),
    path("t/<str:number>/", views.ticket_page, name="portal_ticket"),
    path("t/<str:number>/message/", views.post_message, name="portal_message"),
    path("t/<str:number>/confirm/", views.confirm, name="portal_confirm"),
    path("t/<str:number>/not-solved/", views.not_solved, name="portal_not_solved"),
]
