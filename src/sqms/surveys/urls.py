from django.urls import path

from sqms.surveys import views

app_name = "surveys"

urlpatterns = [
    path("s/<slug:slug>/", views.answer, name="answer"),
    path("s/<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("s/<slug:slug>/qr.<str:fmt>", views.qr, name="qr"),
    path("surveys/push/<slug:slug>/", views.push, name="push"),
    path("surveys/<int:pk>/preview/", views.preview, name="preview"),
    path("surveys/<int:pk>/launch/", views.launch, name="launch"),
    path("surveys/new-from-template/", views.new_from_template, name="new_from_template"),
    path("surveys/campaigns/<int:pk>/results/", views.results, name="results"),
    path("surveys/campaigns/<int:pk>/analysis/", views.analysis, name="analysis"),
    path("surveys/campaigns/<int:pk>/analysis/status/", views.analysis_status, name="analysis_status"),
    path("surveys/campaigns/<int:pk>/analysis/export/", views.analysis_export, name="analysis_export"),
    path("surveys/campaigns/<int:pk>/clean/", views.clean, name="clean"),
    path("surveys/campaigns/<int:pk>/export/", views.export, name="export"),
    path("surveys/campaigns/<int:pk>/distribute/", views.distribute, name="distribute"),
    path("surveys/campaigns/<int:pk>/links/", views.tokens_xlsx, name="links"),
    path("surveys/sample-size/", views.sample_size, name="sample_size"),
]
