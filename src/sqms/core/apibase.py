"""What every API router shares: authentication (session or hashed API token), the single JSON error
shape ``{"error": {"code", "message", "fields"}}``, pagination, and permission helpers."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from sqms.core.errors import DomainError, Forbidden
from sqms.core.scoping import Scope, forget_scope, scope_for
from sqms.core.services import authenticate_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
log = logging.getLogger("sqms.security")


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sqms_…``. The token acts as its user, narrowed by the token's own limits."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from sqms.core.security.auth import app_of_request, client_ip

        api_token = authenticate_token(token, ip=client_ip(request))
        if api_token is None:
            return None
        user = api_token.user
        log.info(
            "api token use: token=%s user=%s %s %s ip=%s",
            api_token.prefix,
            user.username,
            request.method,
            request.path,
            client_ip(request),
        )
        if request.method not in SAFE_METHODS and not api_token.can_write:
            raise Forbidden(_("This API token is read-only."))
        if api_token.apps and app_of_request(request) not in api_token.apps:
            raise Forbidden(_("This API token is not allowed to use this module."))
        if api_token.unit_paths:
            base = scope_for(user)
            narrowed = tuple(p for p in api_token.unit_paths if base.covers_path(p))
            forget_scope(user)
            user._sqms_scope = Scope(
                user_id=user.pk, unit_paths=narrowed, own_only=base.own_only, roles=base.roles
            )
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        return user


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return TokenAuth().authenticate(request, key or "")


class Session(SessionAuth):
    """Session auth for the UI's own calls (CSRF enforced on writes by ninja)."""


AUTH = [TokenAuth(), TokenHeaderAuth(), Session()]


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


def _ninja_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        name = ".".join(loc) or "__all__"
        fields.setdefault(name, []).append(str(err.get("msg", "invalid")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = _ninja_fields(exc.errors)
        first = next(iter(fields.items()))
        return error_response(api, request, 422, "validation_error", f"{first[0]}: {first[1][0]}", fields)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "unauthenticated", _("Authentication required."))

    @api.exception_handler(PermissionDenied)
    def perm_error(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("You do not have permission to do this."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(OverflowError)
    def overflow_error(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # A number beyond the database's integer range (an id like 2**70): bad input, not a server fault.
        return error_response(api, request, 422, "validation_error", _("A number is out of range."))

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        return error_response(
            api, request, 422, "validation_error", _("A value is out of range or too long.")
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, exc.status_code, "error", str(exc))


class Page(LimitOffsetPagination):
    """``?limit=&offset=`` → ``{"items": [...], "count": N}``; the convention for every list endpoint."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=2**31 - 1)  # a huge offset is a 422, not a database error


def require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise Forbidden()


def user_of(request: HttpRequest) -> Any:
    return request.user


class Mapped:
    """A sliceable, countable view of a queryset mapped through ``fn``, so that pagination converts
    (and masks) only the rows of the requested page."""

    def __init__(self, qs: Any, fn: Any, *, shown_to: HttpRequest | None = None):
        # shown_to: the request whose user sees the rows — the page's records are then reported as shown
        # unmasked (one access-log row per page) when the model has personal fields and the user may see them
        self.qs, self.fn, self.shown_to = qs, fn, shown_to

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        rows = list(self.qs[item])
        if self.shown_to is not None and getattr(self.qs.model, "PERSONAL_FIELDS", ()):
            from sqms.core.masking import note_shown

            note_shown(self.shown_to, self.qs.model, [o.pk for o in rows])
        return [self.fn(o) for o in rows]
