from django.urls import path

from sqms.evaluation import views, views_plans

app_name = "evaluation"

urlpatterns = [
    path("evaluation/", views.index, name="index"),
    path("evaluation/dashboard/", views.dashboard, name="dashboard"),
    path("evaluation/plans/", views_plans.plan_list, name="plans"),
    path("evaluation/plans/<int:pk>/", views_plans.plan_detail, name="plan"),
    path("evaluation/manual-scores/enter/", views_plans.score_entry, name="score_entry"),
    path("evaluation/<str:code>/weights/", views.weights, name="weights"),
    path("evaluation/<str:code>/<str:period>/", views.result, name="result"),
]
