from django.urls import path

from sqms.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("evaluation/", views.index, name="index"),
    path("evaluation/dashboard/", views.dashboard, name="dashboard"),
    path("evaluation/<str:code>/weights/", views.weights, name="weights"),
    path("evaluation/<str:code>/<str:period>/", views.result, name="result"),
]
