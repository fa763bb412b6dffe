from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from sqms.api import api
from sqms.core import views as core_views
from sqms.core.ops import health as ops_health
from sqms.core.ops import metrics as ops_metrics

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("healthz", core_views.health, name="health"),
    path("readyz", ops_health.readyz, name="ready"),
    path("metrics", ops_metrics.metrics_view, name="metrics"),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("core/", include("sqms.core.urls")),
    path("org/", include("sqms.org.urls")),
    path("", include("sqms.surveys.urls")),
    path("", include("sqms.feedback.urls")),
    path("", include("sqms.kpi.urls")),
    path("", include("sqms.evaluation.urls")),
    path("", include("sqms.improvement.urls")),
    path("", include("sqms.audits.urls")),
    path("", include("sqms.documents.urls")),
    path("", include("sqms.text.urls")),
    path("", include("sqms.people.urls")),
    path("", include("sqms.privacy.urls")),
    path("", include("sqms.reports.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
