from django.urls import path

from sqms.org import views

app_name = "org"

urlpatterns = [path("responsibility-matrix/", views.raci, name="raci")]
