from django.urls import path

from sqms.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/publications/", views.publications, name="publications"),
    path("reports/publications/<int:pk>/unpublish/", views.unpublish, name="unpublish"),
    path("reports/<int:pk>/", views.detail, name="detail"),
    path("reports/<int:pk>/<str:fmt>/", views.download, name="download"),
    path("transparency/", views.transparency, name="transparency"),
    path("transparency/<str:kind>/<str:key>/", views.transparency, name="transparency_period"),
]
