"""UI URLs of the knowledge base, mounted at /knowledge/."""

from django.urls import path

from sqms.knowledge import views

urlpatterns = [
    path("", views.knowledge_article_list, name="knowledge_article_list"),
    path("review/", views.knowledge_review_queue, name="knowledge_review_queue"),
    path("new/", views.knowledge_article_create, name="knowledge_article_create"),
    path("from-ticket/<int:ticket_pk>/", views.knowledge_from_ticket, name="knowledge_from_ticket"),
    path("<int:pk>/", views.knowledge_article_detail, name="knowledge_article_detail"),
    path("<int:pk>/edit/", views.knowledge_article_edit, name="knowledge_article_edit"),
    path("<int:pk>/diff/", views.knowledge_article_diff, name="knowledge_article_diff"),
    path("<int:pk>/submit/", views.knowledge_article_submit, name="knowledge_article_submit"),
    path("<int:pk>/review/", views.knowledge_article_review, name="knowledge_article_review"),
    path("<int:pk>/archive/", views.knowledge_article_archive, name="knowledge_article_archive"),
    path("<int:pk>/renew/", views.knowledge_article_renew, name="knowledge_article_renew"),
    path("<int:pk>/vote/", views.knowledge_article_vote, name="knowledge_article_vote"),
    path("<int:pk>/use/", views.knowledge_article_use, name="knowledge_article_use"),
]
