from django.urls import path

from sqms.feedback import views

app_name = "feedback"

urlpatterns = [
    path("complaints/new/", views.complaint_new, name="new"),
    path("complaints/track/", views.complaint_track, name="track"),
    path("complaints/track/files/<int:attachment_id>/", views.complaint_attachment, name="track_file"),
    path("feedback/analysis/", views.analysis_view, name="analysis"),
    path("feedback/customers/<int:customer_id>/", views.customer_view, name="customer"),
]
