"""UI URLs of the insight app (mounted at /insight/)."""

from django.urls import URLPattern, URLResolver, path

from sqms.core.views import main_page
from sqms.insight import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", main_page("insight_models"), name="insight_home"),
    path("panel/", views.suggestion_panel, name="insight_panel"),
    path("models/", views.model_list, name="insight_models"),
    path("models/train/", views.train_models, name="insight_train"),
    path("models/<int:pk>/", views.model_detail, name="insight_model_detail"),
    path("models/<int:pk>/activate/", views.activate_model, name="insight_activate"),
    path("accuracy/", views.accuracy, name="insight_accuracy"),
]
