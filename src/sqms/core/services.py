"""Writes shared by every app: create/change/archive a business record with permission, scope and audit
checks; notifications; comments with @mentions; API tokens.

Apps call these from their own services rather than saving models directly, so the rules in
ARCHITECTURE.md (scoped, audited, bad input changes nothing) hold in one place.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, from_django_validation
from sqms.core.models import ApiToken, AuditAction, Comment, Notification
from sqms.core.scoping import is_visible, scope_for, unit_path_of

M = TypeVar("M", bound=models.Model)


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def require_perm(actor: Any, perm: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise Forbidden()


def require_in_scope(actor: Any, instance: models.Model) -> None:
    """A record outside the actor's units is treated as not existing (no information leaks)."""
    scope = scope_for(actor)
    if scope.all_units:
        return
    path = unit_path_of(instance)
    if path and scope.covers_path(path):
        return
    if instance.pk is not None and is_visible(actor, instance):
        return
    raise NotFound()


def clean_or_raise(instance: models.Model, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise from_django_validation(exc) from exc


@transaction.atomic
def create_record(model: type[M], *, actor: Any, data: dict[str, Any], verb: str = "") -> M:
    require_perm(actor, perm_name(model, "add"))
    instance = model(**data)
    if hasattr(instance, "created_by_id") and getattr(actor, "pk", None):
        instance.created_by = actor
        instance.updated_by = actor
    clean_or_raise(instance)
    require_in_scope(actor, instance)
    instance.save()
    audit.record(
        actor=actor, action=AuditAction.CREATE, instance=instance, after=audit.snapshot(instance), verb=verb
    )
    return instance


@transaction.atomic
def update_record(
    instance: M,
    *,
    actor: Any,
    changes: dict[str, Any],
    expected_updated_at: Any = None,
    verb: str = "",
) -> M:
    """Apply ``changes`` to ``instance``. ``expected_updated_at`` (what the editor saw) turns a lost
    update into a :class:`Conflict` instead of silently overwriting someone else's change."""
    model = type(instance)
    require_perm(actor, perm_name(model, "change"))
    require_in_scope(actor, instance)
    locked = model._default_manager.select_for_update(of=("self",)).get(pk=instance.pk)
    if expected_updated_at is not None and getattr(locked, "updated_at", None) not in (
        None,
        expected_updated_at,
    ):
        raise Conflict()
    before = audit.snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    if hasattr(locked, "updated_by_id") and getattr(actor, "pk", None):
        locked.updated_by = actor
    clean_or_raise(locked)
    require_in_scope(actor, locked)
    locked.save()
    after = audit.snapshot(locked)
    if audit.diff(before, after):
        audit.record(
            actor=actor, action=AuditAction.UPDATE, instance=locked, before=before, after=after, verb=verb
        )
    return locked


@transaction.atomic
def archive_record(instance: M, *, actor: Any, reason: str = "") -> M:
    model = type(instance)
    require_perm(actor, perm_name(model, "delete"))
    require_in_scope(actor, instance)
    if getattr(instance, "archived_at", None) is not None:
        return instance
    instance.archived_at = timezone.now()  # type: ignore[attr-defined]
    instance.save(
        update_fields=["archived_at", "updated_at"] if hasattr(instance, "updated_at") else ["archived_at"]
    )
    audit.record(
        actor=actor, action=AuditAction.ARCHIVE, instance=instance, verb=reason, extra={"reason": reason}
    )
    return instance


@transaction.atomic
def restore_record(instance: M, *, actor: Any) -> M:
    model = type(instance)
    require_perm(actor, perm_name(model, "delete"))
    require_in_scope(actor, instance)
    instance.archived_at = None  # type: ignore[attr-defined]
    instance.save(update_fields=["archived_at"])
    audit.record(actor=actor, action=AuditAction.RESTORE, instance=instance)
    return instance


# --- notifications -------------------------------------------------------------------------------------


def notify(
    recipients: Iterable[Any],
    *,
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "info",
    email: bool = False,
) -> list[Notification]:
    """Create one in-app notification per distinct active recipient; e-mail copies go out after commit."""
    from sqms.core.tasks import send_notification_email

    seen: set[int] = set()
    created: list[Notification] = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        n = Notification.objects.create(
            recipient=user,
            title=str(title)[:200],
            body=body,
            url=url,
            kind=kind,
            email=email and bool(user.email),
        )
        created.append(n)
        if n.email:
            transaction.on_commit(lambda pk=n.pk: send_notification_email(pk))
    return created


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- comments -------------------------------------------------------------------------------------------

MENTION_RE = re.compile(r"@([\w.\-]+)")


@transaction.atomic
def add_comment(target: models.Model, *, actor: Any, body: str, internal: bool = True) -> Comment:
    """Comment on a record the actor can see; ``@username`` mentions notify people who can see it too."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("The comment is empty."), fields={"body": [_("This field is required.")]})
    if len(body) > 10000:
        raise ValidationFailed(fields={"body": [_("At most 10,000 characters.")]})
    require_perm(actor, perm_name(type(target), "view"))
    require_in_scope(actor, target)
    from django.contrib.contenttypes.models import ContentType

    comment = Comment.objects.create(
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        object_id=str(target.pk),
        author=actor,
        body=body,
        internal=internal,
    )
    names = set(MENTION_RE.findall(body))
    users = list(get_user_model().objects.filter(username__in=names, is_active=True)) if names else []
    visible = [u for u in users if u.pk != actor.pk and is_visible(u, target)]
    comment.mentions.set(visible)
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=target,
        verb=_("Comment added"),
        extra={"comment": body[:500], "mentions": [u.username for u in visible]},
    )
    if visible:
        from django.contrib.admin.utils import quote
        from django.urls import NoReverseMatch, reverse

        try:
            url = reverse(
                f"admin:{target._meta.app_label}_{target._meta.model_name}_change", args=[quote(target.pk)]
            )
        except NoReverseMatch:
            url = ""
        who = actor.get_full_name() or actor.get_username()
        notify(
            visible,
            title=_("%(who)s mentioned you on %(record)s") % {"who": who, "record": target},
            body=body,
            url=url,
            kind="mention",
            email=True,
        )
    return comment


def comments_for(target: models.Model) -> models.QuerySet[Comment]:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return Comment.objects.filter(content_type=ct, object_id=str(target.pk)).select_related("author")


# --- API tokens -----------------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *,
    actor: Any,
    user: Any,
    name: str,
    can_write: bool = False,
    unit_paths: list[str] | None = None,
    days: int | None = None,
    apps: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; only the hash is kept, so the key is shown once."""
    if actor.pk != user.pk and not actor.has_perm("core.add_apitoken"):
        raise Forbidden()
    if not name.strip():
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    scope = scope_for(user)
    for p in unit_paths or []:
        if not scope.covers_path(p):
            raise ValidationFailed(
                fields={"unit_paths": [_("A token cannot reach beyond its user's org units.")]}
            )
    from sqms.core.security.auth import token_module_labels

    known = token_module_labels()
    unknown = [a for a in apps or [] if a not in known]
    if unknown:
        raise ValidationFailed(
            fields={"apps": [_("Unknown module: %(names)s") % {"names": ", ".join(map(str, unknown))}]}
        )
    if days is not None and not 0 <= days <= 3660:
        raise ValidationFailed(fields={"days": [_("Between 0 (never expires) and 3660 days.")]})
    key = "sqms_" + secrets.token_urlsafe(32)
    days = settings.SQMS_API_TOKEN_DAYS if days is None else days
    token = ApiToken.objects.create(
        name=name.strip(),
        user=user,
        prefix=key[:12],
        key_hash=ApiToken.hash_key(key),
        can_write=can_write,
        unit_paths=list(unit_paths or []),
        apps=sorted(set(apps or [])),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
        created_by=actor,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, instance=token, after=audit.snapshot(token))
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: Any) -> ApiToken:
    if actor.pk != token.user_id and not actor.has_perm("core.change_apitoken"):
        raise Forbidden()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=token, verb=_("Token revoked"))
    return token


_token_plans: dict[str, tuple[str, list[Any], list[Any]]] = {}


def _token_with_user(key_hash: str) -> ApiToken | None:
    """``ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()`` for every API request,
    with its SQL built once per process and database: the ORM spent ~0.4 ms of CPU building this query per
    request, more than the database spends answering it. Rows become instances the ORM's way (the fields'
    database converters, ``from_db``), the user cached on the token."""
    from django.db import connections, router

    alias = router.db_for_read(ApiToken)
    conn = connections[alias]
    plan = _token_plans.get(alias)
    if plan is None:
        user_model = get_user_model()
        qn = conn.ops.quote_name
        columns: list[str] = []
        converters: list[Any] = []
        parts = []
        for table, model in (("t", ApiToken), ("u", user_model)):
            fields = list(model._meta.concrete_fields)
            parts.append(fields)
            for f in fields:
                columns.append(f"{table}.{qn(f.column)}")
                col = f.get_col(table)
                converters.append((col, conn.ops.get_db_converters(col) + f.get_db_converters(conn)))
        sql = (
            f"SELECT {', '.join(columns)} FROM {qn(ApiToken._meta.db_table)} t"
            f" INNER JOIN {qn(user_model._meta.db_table)} u"
            f" ON u.{qn(user_model._meta.pk.column)} = t.{qn(ApiToken._meta.get_field('user').column)}"
            f" WHERE t.{qn(ApiToken._meta.get_field('key_hash').column)} = %s LIMIT 1"
        )
        plan = _token_plans[alias] = (sql, converters, parts)
    sql, converters, (token_fields, user_fields) = plan
    with conn.cursor() as cur:
        cur.execute(sql, [key_hash])
        row = cur.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, (col, funcs) in enumerate(converters):
        for func in funcs:
            values[i] = func(values[i], col, conn)
    n = len(token_fields)
    token = ApiToken.from_db(alias, [f.attname for f in token_fields], values[:n])
    user = get_user_model().from_db(alias, [f.attname for f in user_fields], values[n:])
    ApiToken._meta.get_field("user").set_cached_value(token, user)
    return token


def authenticate_token(key: str, ip: str | None = None) -> ApiToken | None:
    if not key or len(key) > 200:
        return None
    token = _token_with_user(ApiToken.hash_key(key))
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    # Writing last_used_at on every request would serialise API traffic on one row; once a minute (or on a
    # new address) is enough. Every use is logged by the caller (logger "sqms.security").
    if (
        token.last_used_at is None
        or now - token.last_used_at > timedelta(seconds=60)
        or (ip and ip != token.last_used_ip)
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip or None)
    return token
