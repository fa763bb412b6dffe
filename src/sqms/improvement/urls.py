from django.urls import path

from sqms.improvement import from_evaluation, views

app_name = "improvement"

urlpatterns = [
    path("improvement/nc/", views.nc_list, name="nc_list"),
    path("improvement/nc/<int:pk>/", views.nc_detail, name="nc_detail"),
    path("improvement/projects/", views.project_list, name="project_list"),
    path("improvement/projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("improvement/from-evaluation/", from_evaluation.from_evaluation, name="from_evaluation"),
    path("improvement/suggestions/", views.suggestion_list, name="suggestion_list"),
    path("improvement/practices/", views.practice_list, name="practice_list"),
    path("improvement/reviews/", views.review_list, name="review_list"),
    path("improvement/reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("improvement/reviews/<int:pk>/minutes.pdf", views.review_pdf, name="review_pdf"),
]
