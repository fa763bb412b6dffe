"""Org scoping: the one helper every selector, page and endpoint uses to limit what a user sees.

Org units form a tree stored as materialised paths ("/1/5/23/"); a unit's subtree is every unit whose
path starts with its own. A user's :class:`Scope` is computed by a provider that the ``org`` app
registers (core cannot import org — apps depend downward only). Rules (ARCHITECTURE.md):

* the quality team, system admins and executives see everything;
* a unit manager (and an auditor, for the units of his assignments) sees his units' subtrees;
* front-line staff see their own unit, and only their own work where a record has an owner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    all_units: bool = False
    unit_paths: tuple[str, ...] = ()
    own_only: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def nothing(cls) -> Scope:
        return cls(user_id=None)

    def covers_path(self, path: str | None) -> bool:
        if self.all_units:
            return True
        if not path:
            return False
        return any(path.startswith(p) for p in self.unit_paths)

    def unit_q(self, path_field: str) -> Q:
        if self.all_units:
            return Q()
        if not self.unit_paths:
            return Q(pk__in=[])
        q = Q()
        for p in self.unit_paths:
            q |= Q(**{f"{path_field}__startswith": p})
        return q

    def filter(
        self,
        qs: QuerySet[Any],
        *,
        path_field: str | None,
        owner_field: str | None = None,
    ) -> QuerySet[Any]:
        """Limit ``qs`` to this scope. ``path_field`` is the lookup to the org unit's path (e.g.
        ``"org_unit__path"``); ``owner_field`` the lookup to the owning user, used for own-work-only staff."""
        if self.all_units:
            return qs
        if self.own_only and owner_field:
            return qs.filter(**{owner_field: self.user_id})
        if path_field is None:
            return qs.none()
        return qs.filter(self.unit_q(path_field))


ScopeProvider = Callable[[Any], Scope]
_provider: list[ScopeProvider] = []


def register_scope_provider(provider: ScopeProvider) -> None:
    _provider[:] = [provider]


def scope_for(user: Any) -> Scope:
    """The scope of ``user`` (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Scope.nothing()
    cached = getattr(user, "_sqms_scope", None)
    if cached is not None:
        return cached
    if getattr(user, "is_superuser", False):
        scope = Scope(user_id=user.pk, all_units=True, roles=frozenset({"system_admin"}))
    elif _provider:
        scope = _provider[0](user)
    else:
        scope = Scope.nothing()
    user._sqms_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, "_sqms_scope"):
        del user._sqms_scope


@dataclass(frozen=True)
class ScopedModel:
    """How to scope one model: the lookup to its org unit's path and, optionally, to its owner."""

    path_field: str | None
    owner_field: str | None = None


_scoped_models: dict[str, ScopedModel] = {}


def register_scoped(model: Any, *, path_field: str | None, owner_field: str | None = None) -> None:
    _scoped_models[model._meta.label_lower] = ScopedModel(path_field, owner_field)


def scoped_model(model: Any) -> ScopedModel | None:
    return _scoped_models.get(model._meta.label_lower)


def scoped(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Scope any registered model's queryset for ``user``; unregistered models are visible only to
    all-units users (a safe default for a model someone forgot to register)."""
    scope = scope_for(user)
    spec = scoped_model(qs.model)
    if spec is None:
        return qs if scope.all_units else qs.none()
    return scope.filter(qs, path_field=spec.path_field, owner_field=spec.owner_field)


def is_visible(user: Any, obj: Any) -> bool:
    return scoped(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def unit_path_of(obj: Any) -> str:
    """The org unit path of a record, following its registered path lookup (for audit entries)."""
    spec = scoped_model(type(obj))
    if spec is None or spec.path_field is None:
        return ""
    value: Any = obj
    for part in spec.path_field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def paths_in(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths already covered by a shorter one, so filters stay small."""
    result: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(q) for q in result):
            result.append(p)
    return tuple(result)
