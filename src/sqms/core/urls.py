from django.urls import path

from sqms.core import views
from sqms.core.security import views as security_views

app_name = "core"

urlpatterns = [
    path("comments/<int:ct_id>/<str:object_id>/", views.add_comment, name="add-comment"),
    path("2fa/setup/", security_views.setup, name="sqms_2fa_setup"),
    path("2fa/verify/", security_views.verify, name="sqms_2fa_verify"),
    path("2fa/disable/", security_views.disable, name="sqms_2fa_disable"),
]
