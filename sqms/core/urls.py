"""UI URLs of the core app."""

from django.urls import path

from sqms.core import auth_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.switch_language, name="switch_language"),
    path("org-units/", views.orgunit_list, name="orgunit_list"),
    path("org-units/new/", views.orgunit_create, name="orgunit_create"),
    path("org-units/<int:pk>/", views.orgunit_detail, name="orgunit_detail"),
    path("org-units/<int:pk>/edit/", views.orgunit_edit, name="orgunit_edit"),
    path("org-units/<int:pk>/delete/", views.orgunit_delete, name="orgunit_delete"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("audit/", views.auditevent_list, name="auditevent_list"),
    path("audit/export.csv", views.auditevent_export, name="auditevent_export"),
    path("accounts/login/", auth_views.SqmsLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.SqmsLogoutView.as_view(), name="logout"),
    path("accounts/2fa/", auth_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/2fa/setup/", auth_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/2fa/disable/", auth_views.two_factor_disable, name="two_factor_disable"),
    path("accounts/me/", auth_views.account, name="account"),
    path(
        "accounts/password/",
        auth_views.SqmsPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.SqmsPasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/new/", auth_views.api_token_create, name="api_token_create"),
    path("accounts/tokens/<int:pk>/revoke/", auth_views.api_token_revoke, name="api_token_revoke"),
    path("users/<int:pk>/unlock/", auth_views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-2fa/", auth_views.user_reset_2fa, name="user_reset_2fa"),
]
