"""UI URLs of the service desk, mounted at /tickets/."""

from django.urls import path

from sqms.servicedesk import document_views, hall_views, views

urlpatterns = [
    path("", views.ticket_workspace, name="ticket_workspace"),
    path("all/", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("lookup/", views.ticket_customer_lookup, name="ticket_customer_lookup"),
    path("manager/", views.ticket_manager, name="ticket_manager"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/comment/", views.ticket_comment, name="ticket_comment"),
    path("<int:pk>/reveal/<str:field>/", views.ticket_reveal, name="ticket_reveal"),
    path("<int:pk>/actions/<slug:action>/", views.ticket_action, name="ticket_action"),
]

# Receipts, attachments, the hall queue and the bulk import (document_views, hall_views).
urlpatterns += [
    path("<int:pk>/receipt.pdf", document_views.ticket_receipt, name="ticket_receipt"),
    path("<int:pk>/attachments/", document_views.ticket_attachments, name="ticket_attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        document_views.attachment_download,
        name="attachment_download",
    ),
    path("import/", document_views.ticket_import, name="ticket_import"),
    path("import/<int:pk>/", document_views.ticket_import_job, name="ticket_import_job"),
    path(
        "import/template.csv",
        document_views.ticket_import_template,
        name="ticket_import_template",
    ),
    path("hall/", hall_views.hall_queue, name="hall_queue"),
    path("hall/visits/<int:pk>/<slug:action>/", hall_views.visit_action, name="visit_action"),
]
