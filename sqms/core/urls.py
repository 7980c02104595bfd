"""UI URLs of the core app."""

from django.contrib.auth import views as auth_views
from django.urls import path

from sqms.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", views.two_factor_verify, name="two_factor_verify"),
    path("accounts/2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
]
