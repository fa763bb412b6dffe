from django.urls import URLPattern, path

from sqms.privacy import views

app_name = "privacy"

urlpatterns: list[URLPattern] = [
    path("privacy/", views.home, name="home"),
    path("privacy/customers/<int:customer_id>/", views.customer_page, name="customer"),
    path("privacy/customers/<int:customer_id>/export/", views.export_view, name="export"),
    path("privacy/customers/<int:customer_id>/erase/", views.erase_view, name="erase"),
    path("privacy/requests/<int:request_id>/download/", views.download_view, name="download"),
]
