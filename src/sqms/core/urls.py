from django.urls import path

from sqms.core import views

app_name = "core"

urlpatterns = [
    path("comments/<int:ct_id>/<str:object_id>/", views.add_comment, name="add-comment"),
]
