from django.urls import path

from sqms.kpi import views

app_name = "kpi"

urlpatterns = [
    path("kpi/", views.index, name="index"),
    path("kpi/<str:code>/", views.detail, name="detail"),
]
