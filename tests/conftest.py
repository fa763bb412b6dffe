"""Shared fixtures: a small organisation with one user per role, API clients, and a live server for
browser tests. Apps' tests build on ``org`` (see the docstring of :func:`org`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import settings as hypothesis_settings

from sqms_testing import PASSWORD, fresh

# No time limits on hypothesis examples: timings are for bench/, and a loaded CI machine (or a first call
# that fills a cache) must not turn a correct property into a failure.
hypothesis_settings.register_profile("sqms", deadline=None)
hypothesis_settings.load_profile("sqms")


@dataclass
class Org:
    hq: Any
    region: Any
    branch_a: Any
    branch_b: Any
    team_a: Any
    team_b: Any
    admin: Any
    quality: Any
    manager_a: Any
    manager_b: Any
    agent_a: Any
    agent_b: Any
    auditor: Any
    executive: Any

    def user(self, role: str) -> Any:
        return getattr(self, role)


def _unit(code: str, name: str, kind: str, parent: Any, admin: Any) -> Any:
    from sqms.org.services import create_unit

    return create_unit(actor=admin, code=code, name=name, kind=kind, parent=parent)


@pytest.fixture
def org(db: Any) -> Org:
    """HQ → region → branch A (team A) and branch B (team B); admin, quality manager, a manager and an
    agent in each branch, an auditor for the region and an executive."""
    from sqms.org.models import Role
    from sqms.org.services import assign_role, create_staff

    User = get_user_model()
    admin = User.objects.create_superuser("admin", "admin@example.com", PASSWORD, first_name="管理员")
    hq = _unit("HQ", "总公司", "company", None, admin)
    region = _unit("R1", "东部区域", "region", hq, admin)
    branch_a = _unit("BA", "甲分公司", "branch", region, admin)
    branch_b = _unit("BB", "乙分公司", "branch", region, admin)
    team_a = _unit("BA-T", "甲营业厅", "outlet", branch_a, admin)
    team_b = _unit("BB-T", "乙营业厅", "outlet", branch_b, admin)

    def person(username: str, unit: Any, role: str, role_unit: Any = "same") -> Any:
        staff = create_staff(
            actor=admin,
            username=username,
            name=username.title(),
            employee_no=f"E-{username}",
            org_unit=unit,
            password=PASSWORD,
            roles=[],
            email=f"{username}@example.com",
        )
        assign_role(
            actor=admin, user=staff.user, role=role, org_unit=unit if role_unit == "same" else role_unit
        )
        return User.objects.get(pk=staff.user.pk)

    return Org(
        hq=hq,
        region=region,
        branch_a=branch_a,
        branch_b=branch_b,
        team_a=team_a,
        team_b=team_b,
        admin=admin,
        quality=person("quality", hq, Role.QUALITY_MANAGER, None),
        manager_a=person("manager_a", branch_a, Role.UNIT_MANAGER),
        manager_b=person("manager_b", branch_b, Role.UNIT_MANAGER),
        agent_a=person("agent_a", team_a, Role.FRONTLINE),
        agent_b=person("agent_b", team_b, Role.FRONTLINE),
        auditor=person("auditor", hq, Role.AUDITOR, region),
        executive=person("executive", hq, Role.EXECUTIVE, None),
    )


@pytest.fixture
def client_for(db: Any) -> Any:
    def make(user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for(db: Any) -> Any:
    """A client sending a write-enabled API token of the given user."""
    from sqms.core.services import create_api_token

    def make(user: Any, can_write: bool = True) -> Client:
        _token, key = create_api_token(actor=user, user=user, name="test", can_write=can_write)
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make


@pytest.fixture(scope="session")
def artifacts_dir() -> str:
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


__all__ = ["PASSWORD", "fresh"]


@pytest.fixture
def keep_test_connection():
    """For tests that drive the real WSGI handler (schemathesis): it closes "old" connections at each
    request's start and end, which inside the test's transaction on PostgreSQL would close the test's own
    connection (Django's test client avoids it the same way)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Each test starts with an empty cache: cached read models (sqms.core.dataversion) are keyed on data
    versions that every test's rollback resets, and tests write data without the services' bumps."""
    from django.core.cache import cache

    cache.clear()
    yield
