"""Platform endpoints: the current user, notifications, comments, the audit trail, API tokens,
imports and exports."""

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sqms.core import selectors, services
from sqms.core.apibase import ErrorOut, Mapped, Page, require
from sqms.core.audit import readable_changes
from sqms.core.errors import NotFound
from sqms.core.io import export_kind, import_file
from sqms.core.models import ApiToken
from sqms.core.scoping import scope_for

router = Router(tags=["platform"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[str]
    all_units: bool
    unit_paths: list[str]
    language: str


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    scope = scope_for(user)
    pref = getattr(user, "preference", None) if hasattr(user, "preference") else None
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "roles": sorted(scope.roles),
        "all_units": scope.all_units,
        "unit_paths": list(scope.unit_paths),
        "language": pref.language if pref else "zh-hans",
    }


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


@router.get("/notifications", response=list[NotificationOut])
@paginate(Page)
def notifications(request: HttpRequest, unread: bool = False) -> Any:
    return selectors.inbox(request.user, unread_only=unread)


class ReadIn(Schema):
    ids: list[int] | None = None


@router.post("/notifications/read")
def notifications_read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    return {"marked": services.mark_read(request.user, payload.ids)}


class CommentIn(Schema):
    record_type: str  # "app_label.model", e.g. "org.customer"
    record_id: str
    body: str
    internal: bool = True


class CommentOut(Schema):
    id: int
    author: str
    body: str
    internal: bool
    mentions: list[str]
    created_at: datetime


def _visible_record(user: Any, record_type: str, record_id: str) -> Any:
    """The record "app_label.model" #id if the user may see it; otherwise not found (no existence leak)."""
    try:
        app_label, model = record_type.split(".", 1)
        ct = ContentType.objects.get(app_label=app_label, model=model)
    except (ValueError, ContentType.DoesNotExist):
        raise NotFound() from None
    return selectors.visible_record(user, ct, record_id)


def _comment_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "author": c.author.get_full_name() or c.author.username if c.author else "",
        "body": c.body,
        "internal": c.internal,
        "mentions": [u.username for u in c.mentions.all()],
        "created_at": c.created_at,
    }


@router.get("/comments", response=list[CommentOut])
def comments(request: HttpRequest, record_type: str, record_id: str) -> list[dict[str, Any]]:
    obj = _visible_record(request.user, record_type, record_id)
    return [_comment_out(c) for c in services.comments_for(obj).prefetch_related("mentions")]


@router.post("/comments", response={201: CommentOut})
def add_comment(request: HttpRequest, payload: CommentIn) -> Status:
    obj = _visible_record(request.user, payload.record_type, payload.record_id)
    c = services.add_comment(obj, actor=request.user, body=payload.body, internal=payload.internal)
    return Status(201, _comment_out(c))


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str
    request_id: str
    action: str
    verb: str
    record_type: str
    record_id: str
    record: str
    changes: list[list[Any]]


class AuditFilter(Schema):
    record_type: str | None = None
    record_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@router.get("/audit-entries", response=list[AuditOut])
@paginate(Page)
def audit_entries(request: HttpRequest, filters: Query[AuditFilter]) -> list[dict[str, Any]]:
    qs = selectors.audit_entries(request.user)
    if filters.record_type and "." in filters.record_type:
        app_label, model = filters.record_type.split(".", 1)
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.record_id:
        qs = qs.filter(object_id=filters.record_id)
    if filters.actor:
        qs = qs.filter(actor__username=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.since:
        qs = qs.filter(at__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__lt=filters.until)
    user = request.user
    return Mapped(qs, lambda e: _audit_out(e, user))


def _audit_out(e: Any, user: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "actor": e.actor_name,
        "request_id": e.request_id,
        "action": e.action,
        "verb": e.verb,
        "record_type": f"{e.content_type.app_label}.{e.content_type.model}" if e.content_type else "",
        "record_id": e.object_id,
        "record": e.object_repr,
        "changes": [list(r) for r in readable_changes(e, user)],
    }


class TokenIn(Schema):
    name: str
    can_write: bool = False
    unit_paths: list[str] = []
    apps: list[str] = []
    days: int | None = None


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    can_write: bool
    unit_paths: list[str]
    apps: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str | None
    created_at: datetime


class ApiTokenCreatedOut(ApiTokenOut):
    key: str


@router.get("/api-tokens", response=list[ApiTokenOut])
def tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=request.user).order_by("-created_at")


@router.post("/api-tokens", response={201: ApiTokenCreatedOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    token, key = services.create_api_token(
        actor=request.user,
        user=request.user,
        name=payload.name,
        can_write=payload.can_write,
        unit_paths=payload.unit_paths,
        days=payload.days,
        apps=payload.apps,
    )
    data = ApiTokenOut.from_orm(token).dict()
    data["key"] = key
    return Status(201, data)


def _error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Any:
    from django.http import JsonResponse

    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


class PasswordTokenIn(Schema):
    username: str
    password: str
    otp: str = ""
    name: str = "api"
    can_write: bool = False
    apps: list[str] = []
    days: int | None = None


@router.post("/auth/token", auth=None, response={201: ApiTokenCreatedOut, 401: ErrorOut, 429: ErrorOut})
def password_token(request: HttpRequest, payload: PasswordTokenIn) -> Any:
    """Exchange a user name and password (and the two-factor code, if the user has one) for a new API
    token. Failed attempts count towards the sign-in lock-out like the back-office login."""
    from django.contrib.auth import authenticate

    from sqms.core.security.auth import lockout_response
    from sqms.core.security.twofactor import has_device, required_for

    user = authenticate(request, username=payload.username[:150], password=payload.password[:4096])
    if getattr(request, "axes_locked_out", False):
        return lockout_response(request)
    if user is None or not user.is_active:
        return _error(401, "unauthenticated", _("Wrong user name or password."))
    if has_device(user) or required_for(user):
        from django_otp import match_token

        if not has_device(user) or match_token(user, payload.otp.strip()) is None:
            return _error(
                401,
                "two_factor_required",
                _("A valid two-factor code (otp) is required for this account."),
                {"otp": [_("Enter the current 6-digit code.")]},
            )
    token, key = services.create_api_token(
        actor=user,
        user=user,
        name=payload.name or "api",
        can_write=payload.can_write,
        days=payload.days,
        apps=payload.apps,
    )
    data = ApiTokenOut.from_orm(token).dict()
    data["key"] = key
    return Status(201, data)


@router.post("/api-tokens/{token_id}/revoke", response=ApiTokenOut)
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    return services.revoke_api_token(token, actor=request.user)


class ImportOut(Schema):
    total: int
    written: int
    dry_run: bool
    errors: list[dict[str, Any]]


@router.post("/imports/{kind}", response={200: ImportOut, 422: ImportOut})
def run_import(
    request: HttpRequest,
    kind: str,
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
) -> Status:
    report = import_file(
        kind,
        actor=request.user,
        raw=file.read(),
        filename=file.name or "upload.csv",
        skip_invalid=skip_invalid,
        dry_run=dry_run,
    )
    return Status((200 if report.ok or skip_invalid else 422), report.to_dict())


@router.get("/exports/{kind}")
def run_export(request: HttpRequest, kind: str, format: str = "xlsx") -> HttpResponse:
    data, content_type = export_kind(kind, actor=request.user, fmt=format)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}.{format}"'
    return response


__all__ = ["require", "router"]
