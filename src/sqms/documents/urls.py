from django.urls import path

from sqms.documents import views

app_name = "documents"

urlpatterns = [
    path("documents/mine/", views.mine, name="mine"),
    path("documents/<int:pk>/", views.document_detail, name="detail"),
    path("documents/<int:pk>/diff/", views.document_diff, name="diff"),
    path("documents/versions/<int:pk>/record.pdf", views.version_pdf, name="pdf"),
    path("documents/versions/<int:pk>/file/", views.version_file, name="file"),
    path("training/matrix/", views.matrix, name="matrix"),
]
