"""The REST API at /api/v1/: one NinjaAPI assembling every app's router (the top layer of the imports)."""

from __future__ import annotations

from ninja import NinjaAPI

from sqms.audits.api import router as audits_router
from sqms.core.api import router as core_router
from sqms.core.apibase import AUTH, install_error_handlers
from sqms.documents.api import router as documents_router
from sqms.evaluation.api import router as evaluation_router
from sqms.feedback.api import router as feedback_router
from sqms.improvement.api import router as improvement_router
from sqms.kpi.api import router as kpi_router
from sqms.org.api import router as org_router
from sqms.people.api import router as people_router
from sqms.privacy.api import router as privacy_router
from sqms.reports.api import router as reports_router
from sqms.surveys.api import router as surveys_router
from sqms.text.api import router as text_router

api = NinjaAPI(
    title="SQMS API",
    version="1",
    description="Service Quality Management System — REST API. Authenticate with `Authorization: Bearer <token>`.",
    auth=AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/", org_router)
api.add_router("/", surveys_router)
api.add_router("/", feedback_router)
api.add_router("/", kpi_router)
api.add_router("/", evaluation_router)
api.add_router("/", improvement_router)
api.add_router("/", audits_router)
api.add_router("/", documents_router)
api.add_router("/", text_router)
api.add_router("/", people_router)
api.add_router("/", privacy_router)
api.add_router("/", reports_router)
