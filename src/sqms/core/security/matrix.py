"""The permission matrix: which role may call every API operation and open every back-office register
(list, add, change), and over which org units' data.

Each row is a string of one letter per role, in the order of :data:`ROLES`:

* ``Y`` allowed, over the role's data scope (:data:`ROLE_DATA`; records outside it answer 404);
* ``S`` allowed, but only for the signed-in user's own things (profile, inbox, own API tokens);
* ``P`` public: no sign-in needed (anyone, any role);
* ``-`` denied (403, or 404 where the existence of a record must not leak).

``tests/security/test_security_matrix.py`` generates a check from this table for every operation in the
OpenAPI schema and every registered ModelAdmin: an operation or register without a row fails the test,
and so does any difference between a row and the actual behaviour. Add the row with the endpoint.
"""

from __future__ import annotations

ROLES = ("system_admin", "quality_manager", "unit_manager", "frontline", "auditor", "executive")

# Which org units' data each role reaches where a row says "Y" (core.scoping enforces it).
ROLE_DATA = {
    "system_admin": "all units",
    "quality_manager": "all units",
    "unit_manager": "his unit and its descendants",
    "frontline": "his own records (assigned to or created by him) in his unit",
    "auditor": "the units he is assigned to audit",
    "executive": "all units, read-only",
}

ALLOWED = {"Y", "S", "P"}


def allowed(row: str, role: str) -> bool:
    return row[ROLES.index(role)] in ALLOWED


# --- API: "METHOD /path" as in /api/v1/openapi.json -----------------------------------------------------
API: dict[str, str] = {
    # api-tokens
    "GET /api/v1/api-tokens": "SSSSSS",
    "POST /api/v1/api-tokens": "SSSSSS",
    "POST /api/v1/api-tokens/{token_id}/revoke": "SSSSSS",
    # appeals
    "GET /api/v1/appeals": "YYYYYY",
    "POST /api/v1/appeals/{appeal_id}/decide": "YYYYY-",
    # audit-clauses
    "GET /api/v1/audit-clauses": "YYYYYY",
    # audit-entries
    "GET /api/v1/audit-entries": "YYYYYY",
    # audit-findings
    "GET /api/v1/audit-findings": "YYYYYY",
    # audit-plans
    "GET /api/v1/audit-plans": "YYYYYY",
    "POST /api/v1/audit-plans": "YYYYY-",
    "GET /api/v1/audit-plans/{number}": "YYYYYY",
    "GET /api/v1/audit-plans/{number}/checklist": "YYYYYY",
    "POST /api/v1/audit-plans/{number}/checklist": "YYYYY-",
    "POST /api/v1/audit-plans/{number}/checklist/{qid}": "YYYYY-",
    "GET /api/v1/audit-plans/{number}/findings": "YYYYYY",
    "POST /api/v1/audit-plans/{number}/findings": "YYYYY-",
    "GET /api/v1/audit-plans/{number}/report.{fmt}": "YYYYYY",
    # audit-programmes
    "GET /api/v1/audit-programmes": "YYYYYY",
    "POST /api/v1/audit-programmes": "YYYYY-",
    # auth
    "POST /api/v1/auth/token": "PPPPPP",
    # calendars
    "GET /api/v1/calendars": "YYYYYY",
    "GET /api/v1/calendars/{code}": "YYYYYY",
    "GET /api/v1/calendars/{code}/deadline": "YYYYYY",
    # capa
    "GET /api/v1/capa": "YYYYYY",
    "POST /api/v1/capa/{action_id}/status": "YYYYY-",
    # certificates
    "GET /api/v1/certificates": "YYYYYY",
    # checklist-templates
    "GET /api/v1/checklist-templates": "YYYYYY",
    "POST /api/v1/checklist-templates": "YYYYY-",
    "GET /api/v1/checklist-templates/{pk}": "YYYYYY",
    "PUT /api/v1/checklist-templates/{pk}": "YYYYY-",
    "POST /api/v1/checklist-templates/{pk}/versions": "YYYYY-",
    # comments
    "GET /api/v1/comments": "YYYYYY",
    "POST /api/v1/comments": "YYYYY-",
    # competencies
    "GET /api/v1/competencies": "YYY-YY",
    "POST /api/v1/competencies": "YYYYY-",
    # competency-records
    "GET /api/v1/competency-records": "YYYYYY",
    "POST /api/v1/competency-records": "YYYYY-",
    # courses
    "GET /api/v1/courses": "YYY-YY",
    "POST /api/v1/courses": "YYYYY-",
    # customers
    "GET /api/v1/customers": "YYYYYY",
    "POST /api/v1/customers": "YYYYY-",
    "GET /api/v1/customers/{customer_id}": "YYYYYY",
    "PATCH /api/v1/customers/{customer_id}": "YYYYY-",
    "POST /api/v1/customers/{customer_id}/archive": "YYYYY-",
    # document-versions
    "GET /api/v1/document-versions/{version_id}": "YYYYYY",
    "POST /api/v1/document-versions/{version_id}/acknowledgements": "YYYYY-",
    "GET /api/v1/document-versions/{version_id}/diff": "YYYYYY",
    "POST /api/v1/document-versions/{version_id}/file": "YYYYY-",
    "POST /api/v1/document-versions/{version_id}/signatures": "YYYYY-",
    "POST /api/v1/document-versions/{version_id}/transitions": "YYYYY-",
    # documents
    "GET /api/v1/documents": "YYYYYY",
    "POST /api/v1/documents": "YYYYY-",
    "GET /api/v1/documents/{doc_id}": "YYYYYY",
    "GET /api/v1/documents/{doc_id}/acknowledgements": "YYYYYY",
    "GET /api/v1/documents/{doc_id}/versions": "YYYYYY",
    "POST /api/v1/documents/{doc_id}/versions": "YYYYY-",
    # effectiveness-checks
    "POST /api/v1/effectiveness-checks/{check_id}/sign-off": "YYYYY-",
    # evaluation-manual-scores
    "GET /api/v1/evaluation-manual-scores": "YYY--Y",
    "POST /api/v1/evaluation-manual-scores": "YY----",
    # evaluation-plans
    "GET /api/v1/evaluation-plans": "YYY--Y",
    "POST /api/v1/evaluation-plans": "YY----",
    "DELETE /api/v1/evaluation-plans/{plan_id}": "YY----",
    "GET /api/v1/evaluation-plans/{plan_id}": "YYY--Y",
    "PATCH /api/v1/evaluation-plans/{plan_id}": "YY----",
    "POST /api/v1/evaluation-plans/{plan_id}/run": "YY----",
    # evaluation-schemes
    "GET /api/v1/evaluation-schemes": "YYY-YY",
    "GET /api/v1/evaluation-schemes/{code}": "YYY-YY",
    "POST /api/v1/evaluation-schemes/{code}/ahp": "YYYYY-",
    "POST /api/v1/evaluation-schemes/{code}/weights": "YYYYY-",
    # evaluations
    "GET /api/v1/evaluations": "YYY-YY",
    "POST /api/v1/evaluations": "YYYYY-",
    # exports
    "GET /api/v1/exports/{kind}": "YYYYYY",
    # feedback
    "GET /api/v1/feedback": "YYYYYY",
    "POST /api/v1/feedback": "YYYYY-",
    "GET /api/v1/feedback/customers/{customer_id}": "YYYYYY",
    "GET /api/v1/feedback/{number}": "YYYYYY",
    "POST /api/v1/feedback/{number}/assign": "YYYYY-",
    "GET /api/v1/feedback/{number}/attachments": "YYYYYY",
    "POST /api/v1/feedback/{number}/attachments": "YYYYY-",
    "DELETE /api/v1/feedback/{number}/attachments/{attachment_id}": "YYYYY-",
    "GET /api/v1/feedback/{number}/attachments/{attachment_id}": "YYYYYY",
    "GET /api/v1/feedback/{number}/comments": "YYYYYY",
    "POST /api/v1/feedback/{number}/comments": "YYYYY-",
    "GET /api/v1/feedback/{number}/events": "YYYYYY",
    "POST /api/v1/feedback/{number}/events": "YYYYY-",
    "POST /api/v1/feedback/{number}/priority": "YYYYY-",
    "GET /api/v1/feedback/{number}/sla": "YYYYYY",
    "POST /api/v1/feedback/{number}/transitions": "YYYYY-",
    # good-practices
    "GET /api/v1/good-practices": "YYYYYY",
    "POST /api/v1/good-practices": "YYYYY-",
    # imports
    "POST /api/v1/imports/{kind}": "YYYYY-",
    # improvement-projects
    "GET /api/v1/improvement-projects": "YYY-YY",
    "POST /api/v1/improvement-projects": "YYYYY-",
    "POST /api/v1/improvement-projects/from-evaluation": "YYY---",
    "GET /api/v1/improvement-projects/{number}": "YYY-YY",
    "PATCH /api/v1/improvement-projects/{number}": "YYY-Y-",
    "POST /api/v1/improvement-projects/{number}/check": "YYYYY-",
    "POST /api/v1/improvement-projects/{number}/gate": "YYY-Y-",
    "POST /api/v1/improvement-projects/{number}/tasks": "YYYYY-",
    "POST /api/v1/improvement-projects/{number}/tasks/{task_id}/done": "YYY-Y-",
    # inspection-photos
    "GET /api/v1/inspection-photos/{photo_id}": "YYYYYY",
    # inspection-plans
    "GET /api/v1/inspection-plans": "YYYYYY",
    "POST /api/v1/inspection-plans": "YYYYY-",
    "POST /api/v1/inspection-plans/{pk}/draws": "YYYYY-",
    "POST /api/v1/inspection-plans/{pk}/schedule": "YYYYY-",
    # inspection-scores
    "GET /api/v1/inspection-scores": "YYYYYY",
    # inspections
    "GET /api/v1/inspections": "YYYYYY",
    "POST /api/v1/inspections": "YYYYY-",
    "GET /api/v1/inspections/{number}": "YYYYYY",
    "POST /api/v1/inspections/{number}/complete": "YYYYY-",
    "GET /api/v1/inspections/{number}/photos": "YYYYYY",
    "POST /api/v1/inspections/{number}/results": "YYYYY-",
    "POST /api/v1/inspections/{number}/results/{item_id}/nonconformity": "YYYYY-",
    "POST /api/v1/inspections/{number}/results/{item_id}/photos": "YYYYY-",
    # kpi-alerts
    "GET /api/v1/kpi-alerts": "YYY-YY",
    "POST /api/v1/kpi-alerts/{alert_id}/acknowledge": "YYYYY-",
    # kpis
    "GET /api/v1/kpis": "YYY-YY",
    "GET /api/v1/kpis/{code}/values": "YYY-YY",
    # management-reviews
    "GET /api/v1/management-reviews": "YYY-YY",
    "POST /api/v1/management-reviews": "YYYYY-",
    "GET /api/v1/management-reviews/{review_id}": "YYY-YY",
    "POST /api/v1/management-reviews/{review_id}/compile": "YYY-Y-",
    "POST /api/v1/management-reviews/{review_id}/items": "YYYYY-",
    "POST /api/v1/management-reviews/{review_id}/items/{item_id}/close": "YYYYY-",
    "GET /api/v1/management-reviews/{review_id}/minutes.pdf": "YYY-YY",
    # me
    "GET /api/v1/me": "SSSSSS",
    # nonconformities
    "GET /api/v1/nonconformities": "YYYYYY",
    "POST /api/v1/nonconformities": "YYYYY-",
    "GET /api/v1/nonconformities/{number}": "YYYYYY",
    "PATCH /api/v1/nonconformities/{number}": "YYYYY-",
    "POST /api/v1/nonconformities/{number}/actions": "YYYYY-",
    "POST /api/v1/nonconformities/{number}/analysis": "YYYYY-",
    "POST /api/v1/nonconformities/{number}/close": "YYYYY-",
    "POST /api/v1/nonconformities/{number}/effectiveness-checks": "YYYYY-",
    # notifications
    "GET /api/v1/notifications": "SSSSSS",
    "POST /api/v1/notifications/read": "SSSSSS",
    # org-units
    "GET /api/v1/org-units": "YYYYYY",
    "POST /api/v1/org-units": "YYYYY-",
    "GET /api/v1/org-units/{code}": "YYYYYY",
    "PATCH /api/v1/org-units/{code}": "YYYYY-",
    "POST /api/v1/org-units/{code}/move": "YYYYY-",
    # point-appeals
    "GET /api/v1/point-appeals": "YYYYYY",
    "POST /api/v1/point-appeals/{appeal_id}/decide": "YYYYY-",
    # point-rules
    "GET /api/v1/point-rules": "YYYYYY",
    "POST /api/v1/point-rules": "YYYYY-",
    "DELETE /api/v1/point-rules/{rule_id}": "YYYYY-",
    "GET /api/v1/point-rules/{rule_id}": "YYYYYY",
    "PATCH /api/v1/point-rules/{rule_id}": "YYYYY-",
    # points
    "GET /api/v1/points": "YYYYYY",
    "POST /api/v1/points": "YYYYY-",
    "POST /api/v1/points/approve": "YYYYY-",
    "POST /api/v1/points/{entry_id}/appeal": "YYYYY-",
    # privacy
    "GET /api/v1/privacy/access-log": "YY--Y-",
    "POST /api/v1/privacy/customers/{customer_id}/erase": "YY----",
    "POST /api/v1/privacy/customers/{customer_id}/export": "YY----",
    "GET /api/v1/privacy/requests": "YY----",
    "GET /api/v1/privacy/requests/{request_id}": "YY----",
    "GET /api/v1/privacy/requests/{request_id}/file": "YY----",
    "GET /api/v1/privacy/retention": "YY----",
    "PUT /api/v1/privacy/retention/{key}": "YY----",
    # quality-objectives
    "GET /api/v1/quality-objectives": "YYY-YY",
    "POST /api/v1/quality-objectives": "YYYYY-",
    "GET /api/v1/quality-objectives/{obj_id}": "YYY-YY",
    # ratings
    "GET /api/v1/ratings": "YYYYYY",
    "POST /api/v1/ratings": "YYYYY-",
    # rectifications
    "GET /api/v1/rectifications": "YYYYYY",
    "GET /api/v1/rectifications/{rect_id}": "YYYYYY",
    "POST /api/v1/rectifications/{rect_id}/complete": "YYYYY-",
    "POST /api/v1/rectifications/{rect_id}/verify": "YYYYY-",
    # report-publications
    "GET /api/v1/report-publications": "YY---Y",
    "POST /api/v1/report-publications": "YYYYY-",
    "GET /api/v1/report-publications/{publication_id}": "YY---Y",
    "POST /api/v1/report-publications/{publication_id}/unpublish": "YY----",
    # report-snapshots
    "GET /api/v1/report-snapshots": "YYY-YY",
    "POST /api/v1/report-snapshots": "YYYYY-",
    "GET /api/v1/report-snapshots/{snapshot_id}": "YYY-YY",
    "GET /api/v1/report-snapshots/{snapshot_id}/{fmt}": "YYY-YY",
    # report-subscriptions
    "GET /api/v1/report-subscriptions": "YYY--Y",
    "POST /api/v1/report-subscriptions": "YYY-YS",
    # resources
    "GET /api/v1/resources": "YYYYYY",
    "POST /api/v1/resources": "YYYYY-",
    "PATCH /api/v1/resources/{code}": "YYYYY-",
    # responsibility-matrix
    "GET /api/v1/responsibility-matrix": "YYYYYY",
    "PUT /api/v1/responsibility-matrix": "YYYYY-",
    # scorecard-periods
    "GET /api/v1/scorecard-periods": "YYYYYY",
    "POST /api/v1/scorecard-periods": "YYYYY-",
    "GET /api/v1/scorecard-periods/{period_id}": "YYYYYY",
    "POST /api/v1/scorecard-periods/{period_id}/close": "YYYYY-",
    "POST /api/v1/scorecard-periods/{period_id}/compute": "YYYYY-",
    "GET /api/v1/scorecard-periods/{period_id}/leaderboard": "YYYYYY",
    "GET /api/v1/scorecard-periods/{period_id}/scorecards": "YYYYYY",
    # service-records
    "GET /api/v1/service-records": "YYYYYY",
    "POST /api/v1/service-records/bulk": "YYY---",
    # service-rollups
    "GET /api/v1/service-rollups": "YYYYYY",
    # sla-policies
    "GET /api/v1/sla-policies": "YYYYYY",
    # staff
    "GET /api/v1/staff": "YYYYYY",
    "POST /api/v1/staff": "YYYYY-",
    "GET /api/v1/staff/{staff_id}": "YYYYYY",
    "PATCH /api/v1/staff/{staff_id}": "YYYYY-",
    # suggestions
    "GET /api/v1/suggestions": "YYYYYY",
    "POST /api/v1/suggestions": "YYYYY-",
    "POST /api/v1/suggestions/{number}/evaluate": "YYYYY-",
    "POST /api/v1/suggestions/{number}/reward": "YYYYY-",
    "POST /api/v1/suggestions/{number}/roll-out": "YYYYY-",
    # survey-campaigns
    "GET /api/v1/survey-campaigns": "YYY-YY",
    "POST /api/v1/survey-campaigns": "YYYYY-",
    "GET /api/v1/survey-campaigns/{code}": "YYY-YY",
    "GET /api/v1/survey-campaigns/{code}/analysis": "YYY-YY",
    "POST /api/v1/survey-campaigns/{code}/clean": "YYY-Y-",
    "GET /api/v1/survey-campaigns/{code}/export": "YYY-YY",
    "POST /api/v1/survey-campaigns/{code}/import": "YYYYY-",
    "GET /api/v1/survey-campaigns/{code}/responses": "YYY-YY",
    "POST /api/v1/survey-campaigns/{code}/responses": "YYYYY-",
    "GET /api/v1/survey-campaigns/{code}/results": "YYY-YY",
    "POST /api/v1/survey-campaigns/{code}/sample": "YYY-Y-",
    "POST /api/v1/survey-campaigns/{code}/status": "YYYYY-",
    "GET /api/v1/survey-campaigns/{code}/tokens": "YYY-YY",
    "POST /api/v1/survey-campaigns/{code}/tokens": "YYY-Y-",
    # survey-responses
    "POST /api/v1/survey-responses/{pk}/decision": "YYYYY-",
    # surveys
    "GET /api/v1/surveys": "YYY-YY",
    "POST /api/v1/surveys": "YYYYY-",
    "GET /api/v1/surveys/{code}": "YYY-YY",
    "POST /api/v1/surveys/{code}/questions": "YYYYY-",
    "GET /api/v1/surveys/{code}/versions": "YYY-YY",
    "POST /api/v1/surveys/{code}/versions": "YYY-Y-",
    # system-certificates
    "GET /api/v1/system-certificates": "YYYYYY",
    "POST /api/v1/system-certificates": "YYYYY-",
    # text
    "POST /api/v1/text/analyse": "YY----",
    "POST /api/v1/text/classifier/train": "YY----",
    "POST /api/v1/text/classify": "YYYYY-",
    "GET /api/v1/text/emerging": "YYY-YY",
    "GET /api/v1/text/keywords": "YYY-YY",
    "GET /api/v1/text/models": "YYY-YY",
    "GET /api/v1/text/models/{model_id}": "YYY-YY",
    "POST /api/v1/text/segment": "YYYYY-",
    "GET /api/v1/text/sentiment": "YYY-YY",
    "POST /api/v1/text/sentiment/train": "YY----",
    "GET /api/v1/text/settings": "YY--YY",
    "PATCH /api/v1/text/settings": "YY----",
    "GET /api/v1/text/stop-words": "YYY-YY",
    "POST /api/v1/text/stop-words": "YYYYY-",
    "GET /api/v1/text/terms": "YYY-YY",
    "POST /api/v1/text/terms": "YYYYY-",
    "GET /api/v1/text/texts": "YYY-YY",
    "GET /api/v1/text/tickets/{number}/suggestion": "YYYYYY",
    "GET /api/v1/text/topics": "YYY-YY",
    "GET /api/v1/text/word-frequency": "YYY-YY",
    # training-assignments
    "GET /api/v1/training-assignments": "YYYYYY",
    "POST /api/v1/training-assignments": "YYYYY-",
    # training-matrix
    "GET /api/v1/training-matrix": "YYYYYY",
    # training-sessions
    "GET /api/v1/training-sessions": "YYY-YY",
    "POST /api/v1/training-sessions": "YYYYY-",
    "POST /api/v1/training-sessions/{session_id}/attendance": "YYYYY-",
}

# --- back office: "app_label.model" -> (changelist, add, change) ---------------------------------------
ADMIN: dict[str, tuple[str, str, str]] = {
    "audits.auditplan": ("YYY-YY", "YY----", "YY--Y-"),
    "audits.auditprogramme": ("YYY-YY", "YY----", "YY----"),
    "audits.certificate": ("YYY-YY", "YY----", "YY----"),
    "audits.checklisttemplate": ("YYYYYY", "YY----", "YY----"),
    "audits.clause": ("YYYYYY", "------", "------"),
    "audits.finding": ("YYY-YY", "------", "YY--Y-"),
    "audits.inspection": ("YYYYYY", "YYY-Y-", "YYY-Y-"),
    "audits.inspectionplan": ("YYY-YY", "YYY---", "YYY---"),
    "audits.resource": ("YYYYYY", "YYY---", "YYY---"),
    "audits.spotcheckdraw": ("YYY-YY", "------", "YY----"),
    "auth.group": ("Y-----", "Y-----", "Y-----"),
    "auth.user": ("Y-----", "Y-----", "Y-----"),
    "axes.accessattempt": ("Y-----", "------", "Y-----"),
    "axes.accessfailurelog": ("Y-----", "------", "Y-----"),
    "axes.accesslog": ("Y-----", "------", "Y-----"),
    "core.apitoken": ("YYYYYY", "YYYYYY", "------"),
    "core.auditentry": ("YYY-YY", "------", "------"),
    "core.notification": ("YYYYYY", "------", "------"),
    "documents.attendance": ("YYY-YY", "YYY---", "YYY---"),
    "documents.certificate": ("YYYYYY", "YY----", "YY----"),
    "documents.competency": ("YYY-YY", "YY----", "YY----"),
    "documents.competencyrecord": ("YYYYYY", "YYY---", "YYY---"),
    "documents.course": ("YYY-YY", "YY----", "YY----"),
    "documents.document": ("YYYYYY", "YYY---", "YYY---"),
    "documents.documentversion": ("YYYYYY", "------", "------"),
    "documents.trainingassignment": ("YYYYYY", "YYY---", "YY----"),
    "documents.trainingsession": ("YYY-YY", "YYY---", "YYY---"),
    "evaluation.manualscore": ("YYY--Y", "YY----", "YY----"),
    "evaluation.plan": ("YYY--Y", "YY----", "YY----"),
    "evaluation.scheme": ("YYY-YY", "YY----", "YY----"),
    "feedback.appeal": ("YYY-YY", "------", "YY----"),
    "feedback.bot": ("YYY-YY", "YYY---", "YYY---"),
    "feedback.botdelivery": ("YYY-YY", "------", "------"),
    "feedback.calendar": ("YYYYYY", "YY----", "YY----"),
    "feedback.keywordrule": ("YYY-YY", "YY----", "YY----"),
    "feedback.rating": ("YYYYYY", "YYYY--", "YY----"),
    "feedback.rectification": ("YYY-YY", "------", "YYY---"),
    "feedback.servicecategory": ("YYYYYY", "YY----", "YY----"),
    "feedback.slapolicy": ("YYYYYY", "YY----", "YY----"),
    "feedback.ticket": ("YYYYYY", "YYYY--", "YYYY--"),
    "improvement.correctiveaction": ("YYYYYY", "------", "------"),
    "improvement.goodpractice": ("YYYYYY", "------", "------"),
    "improvement.improvementproject": ("YYY-YY", "------", "------"),
    "improvement.managementreview": ("YYY-YY", "------", "------"),
    "improvement.nonconformity": ("YYYYYY", "------", "------"),
    "improvement.suggestion": ("YYYYYY", "------", "------"),
    "kpi.kpialert": ("YYY-YY", "------", "YYY---"),
    "kpi.kpidefinition": ("YYY-YY", "------", "YY----"),
    "kpi.kpioverride": ("YYY-YY", "YY----", "YY----"),
    "kpi.qualityobjective": ("YYY-YY", "YY----", "YY----"),
    "kpi.servicerecord": ("YYYYYY", "------", "------"),
    "org.customer": ("YYYYYY", "YYYY--", "YYYY--"),
    "org.orgunit": ("YYYYYY", "YY----", "YY----"),
    "org.process": ("YYYYYY", "YY----", "YY----"),
    "org.roleassignment": ("YYY--Y", "YY----", "YY----"),
    "org.staff": ("YYYYYY", "YYY---", "YYY---"),
    "otp_totp.totpdevice": ("Y-----", "Y-----", "Y-----"),
    "people.period": ("YYYYYY", "------", "------"),
    "people.pointappeal": ("YYYYYY", "------", "------"),
    "people.pointentry": ("YYYYYY", "------", "------"),
    "people.rule": ("YYYYYY", "YY----", "YY----"),
    "people.scorecard": ("YYYYYY", "------", "------"),
    "privacy.accesslog": ("YY--Y-", "------", "------"),
    "privacy.privacyrequest": ("YY----", "------", "------"),
    "privacy.retentionrule": ("YY----", "YY----", "YY----"),
    "reports.publication": ("YY---Y", "------", "------"),
    "reports.reportsnapshot": ("YYY-YY", "------", "------"),
    "reports.subscription": ("YYY--Y", "YYY---", "YYY---"),
    "surveys.campaign": ("YYY-YY", "YYY---", "YYY---"),
    "surveys.response": ("YYY-YY", "------", "YYY---"),
    "surveys.survey": ("YYY-YY", "YY----", "YY----"),
    "surveys.token": ("YYY-YY", "------", "------"),
    "text.stopword": ("YYY-YY", "YY----", "YY----"),
    "text.term": ("YYY-YY", "YY----", "YY----"),
    "text.textrecord": ("YYY-YY", "------", "------"),
    "text.textsettings": ("YY--YY", "------", "YY----"),
    "text.trainedmodel": ("YYY-YY", "------", "------"),
}
