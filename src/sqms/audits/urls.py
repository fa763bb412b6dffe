from django.urls import path

from sqms.audits import views

app_name = "audits"

urlpatterns = [
    path("audits/inspections/<int:pk>/form/", views.inspection_form, name="inspection-form"),
    path("audits/photos/<int:pk>/", views.inspection_photo, name="photo"),
    path("audits/plans/<int:pk>/", views.plan_workspace, name="plan"),
    path("audits/plans/<int:pk>/report.<str:fmt>", views.plan_report, name="report"),
    path("audits/overview/", views.overview, name="overview"),
]
