"""The feedback configuration every new ticket reads, cached per process: active SLA policies (with their
unit and calendar) and the calendars' engines, keyword rules, the service catalogue, the active bots and
who manages which unit.

Creating a complaint used to read these with eight queries; here they cost one small query (the data
versions ``feedback_config``, ``org`` and ``feedback_classifier`` of :mod:`sqms.core.dataversion`) while
nothing changed, and that query runs once per web request: the first :func:`get` of a request checks the
versions, later calls of the same request (the API view's unit and catalogue look-ups, then the service)
reuse that check (Django's ``request_started`` signal starts a new check; outside a request every call
checks).

Besides the configuration proper, a snapshot holds org units by code (filled on first use: the units a
ticket is filed against) and a memo (:meth:`Config.remember`) where the layers above keep what they derive
from data versioned with it: the text app keeps the active complaint classifier there (its
``TrainedModel`` rows bump ``feedback_classifier``), so classifying a new complaint reads nothing.

Invalidation: saving or deleting any of those rows (policies, calendars and their days, keyword rules,
catalogue entries, bots, org units, role assignments; trained classifiers through
:func:`classifier_changed`) bumps the version through model signals (and every ``org`` bump of the org
app's services counts as well), so every process reloads on its next request once the change is committed;
the bulk writes of :mod:`sqms.feedback.presets` bump explicitly. In the process that made the change the
cache is also dropped at once, and while a change inside a still-open transaction may yet be
rolled back nothing is kept (each call reads afresh until that transaction commits). A flush or migration
(``post_migrate``) drops it too, and a snapshot older than :data:`MAX_AGE` seconds is reloaded whatever
the version says (a safety net for writes that bypass the model signals, e.g. ``QuerySet.update``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.core import signals as core_signals
from django.db import connection, transaction
from django.db.models import signals

from sqms.core import dataversion
from sqms.feedback import domain

KIND = "feedback_config"
#: bumped when a registered text classifier's model changes (see :func:`classifier_changed`)
CLASSIFIER_KIND = "feedback_classifier"
KINDS = (KIND, "org", CLASSIFIER_KIND)
MAX_AGE = 60.0


@dataclass(frozen=True)
class Config:
    """One consistent read of the configuration (shared by the requests of a process: do not mutate)."""

    key: Hashable
    loaded: float
    #: active policies by use, in the model's order (``org_unit`` and ``calendar`` loaded)
    policies: dict[str, list[Any]] = field(default_factory=dict)
    #: active keyword rules in their order
    rules: list[domain.Rule] = field(default_factory=list)
    #: every catalogue entry by id (archived ones included: old tickets point at them)
    categories: dict[int, Any] = field(default_factory=dict)
    #: catalogue entry id by code
    category_ids: dict[str, int] = field(default_factory=dict)
    #: ids of the entries not archived
    active_category_ids: frozenset[int] = frozenset()
    #: active, not archived bots
    bots: list[Any] = field(default_factory=list)
    #: unit id → ids of the users holding the unit-manager role there
    role_managers: dict[int, tuple[int, ...]] = field(default_factory=dict)
    #: unit id → id of the user named as the unit's manager
    unit_manager: dict[int, int] = field(default_factory=dict)
    #: calendar engines built under this configuration (filled on first use)
    engines: dict[int, Any] = field(default_factory=dict)
    #: not archived org units by code (filled on first use; a unit not found is not remembered)
    units: dict[str, Any] = field(default_factory=dict)
    #: values derived from data versioned with this configuration (see :meth:`remember`)
    memo: dict[Hashable, Any] = field(default_factory=dict)

    def engine(self, calendar: Any) -> Any:
        """The engine of ``calendar`` (one of this configuration's policies' calendars)."""
        found = self.engines.get(calendar.pk)
        if found is None:
            from sqms.feedback.calendars import engine_for

            found = self.engines[calendar.pk] = engine_for(calendar)
        return found

    def unit(self, code: str) -> Any:
        """The not archived org unit ``code`` (None when there is none), read once per configuration."""
        found = self.units.get(code)
        if found is None:
            from sqms.org.models import OrgUnit

            found = OrgUnit.objects.active().filter(code=code).first()
            if found is not None:
                self.units[code] = found
        return found

    def remember(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per configuration: for values that change only with the data versions
        this configuration was read under (``feedback_config``, ``org``, ``feedback_classifier``)."""
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = compute()
            return value


_lock = threading.Lock()
_state: dict[str, Any] = {"config": None, "suspect": 0.0}


class _Request(threading.local):
    """Per thread: whether a web request is running and the configuration its first :func:`get` found
    current (reused by the request's later calls without asking the database again)."""

    active = False
    config: Config | None = None


_request = _Request()


def request_started(**kwargs: Any) -> None:
    _request.active = True
    _request.config = None


def request_finished(**kwargs: Any) -> None:
    _request.active = False
    _request.config = None


def _load(key: Hashable) -> Config:
    from sqms.feedback.models import Bot, KeywordRule, ServiceCategory, SlaPolicy
    from sqms.org.models import OrgUnit, Role, RoleAssignment

    managers: dict[int, list[int]] = {}
    for unit_id, user_id in RoleAssignment.objects.filter(
        role=Role.UNIT_MANAGER, org_unit__isnull=False
    ).values_list("org_unit_id", "user_id"):
        managers.setdefault(unit_id, []).append(user_id)
    policies: dict[str, list[Any]] = {}
    for p in SlaPolicy.objects.filter(active=True).select_related("org_unit", "calendar"):
        policies.setdefault(p.use, []).append(p)
    categories = {c.pk: c for c in ServiceCategory.objects.all()}
    return Config(
        key=key,
        loaded=time.monotonic(),
        policies=policies,
        rules=[
            domain.Rule(tuple(r.words()), r.category_id, r.priority)
            for r in KeywordRule.objects.filter(active=True)
        ],
        categories=categories,
        category_ids={c.code: pk for pk, c in categories.items()},
        active_category_ids=frozenset(pk for pk, c in categories.items() if c.archived_at is None),
        bots=list(Bot.objects.filter(active=True, archived_at__isnull=True)),
        role_managers={k: tuple(v) for k, v in managers.items()},
        unit_manager=dict(
            OrgUnit.objects.filter(manager__isnull=False).values_list("pk", "manager_id").order_by()
        ),
    )


def get() -> Config:
    """The current configuration (one query while the cached one is still current; none when an earlier
    call of the same web request has checked it)."""
    checked: Config | None = _request.config
    if checked is not None and _request.active:
        with _lock:
            current = _state["config"] is checked
        if current:
            return checked
    key = (connection.alias, connection.settings_dict.get("NAME"), dataversion.current(*KINDS))
    now = time.monotonic()
    with _lock:
        cfg: Config | None = _state["config"]
        suspect = _state["suspect"] > now
    if cfg is not None and cfg.key == key and now - cfg.loaded < MAX_AGE and not suspect:
        if _request.active:
            _request.config = cfg
        return cfg
    cfg = _load(key)
    if not suspect:
        with _lock:
            _state["config"] = cfg
        if _request.active:
            _request.config = cfg
    return cfg


def clear(**kwargs: Any) -> None:
    with _lock:
        _state["config"] = None
        _state["suspect"] = 0.0
    _request.config = None


def _in_real_transaction() -> bool:
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def changed(*args: Any, **kwargs: Any) -> None:
    """A configuration row changed: bump the version (other processes) and drop this process's copy."""
    _changed(KIND)


def classifier_changed(*args: Any, **kwargs: Any) -> None:
    """A registered classifier's model changed (connect it to the model's signals, or call it after a bulk
    write): bump ``feedback_classifier`` and drop this process's copy, like :func:`changed`."""
    _changed(CLASSIFIER_KIND)


def _changed(kind: str) -> None:
    dataversion.bump(kind)
    if _in_real_transaction():
        # until the transaction ends, reads here may see a change that can still be rolled back: keep
        # nothing (at most MAX_AGE, should the transaction roll back and never call the hook below)
        with _lock:
            _state["config"] = None
            _state["suspect"] = time.monotonic() + MAX_AGE
        transaction.on_commit(clear, robust=True)
    else:
        clear()


def connect() -> None:
    from sqms.feedback.models import Bot, Calendar, CalendarDay, KeywordRule, ServiceCategory, SlaPolicy
    from sqms.org.models import OrgUnit, RoleAssignment

    for model in (
        SlaPolicy,
        KeywordRule,
        ServiceCategory,
        Bot,
        Calendar,
        CalendarDay,
        OrgUnit,
        RoleAssignment,
    ):
        name = model.__name__.lower()
        signals.post_save.connect(changed, sender=model, dispatch_uid=f"feedback_config_saved_{name}")
        signals.post_delete.connect(changed, sender=model, dispatch_uid=f"feedback_config_deleted_{name}")
    signals.post_migrate.connect(clear, dispatch_uid="feedback_config_migrated")
    core_signals.request_started.connect(request_started, dispatch_uid="feedback_config_request_started")
    core_signals.request_finished.connect(request_finished, dispatch_uid="feedback_config_request_finished")
