from django.urls import path

from sqms.text import views

app_name = "text"

urlpatterns = [
    path("text/analytics/", views.analytics_view, name="analytics"),
    path("text/classifier/", views.classifier_view, name="classifier"),
]
