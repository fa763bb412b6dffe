"""The permission matrix (sqms.core.security.matrix) checked over every API operation of the OpenAPI
schema and every registered ModelAdmin; a route without a row fails.

Set SQMS_MATRIX_DUMP=FILE to write the observed table (to review and copy into the matrix)."""

from __future__ import annotations

import os
import pprint

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from security_probe import call, operations, users

from sqms.core.security.matrix import ADMIN, API, ROLES, allowed


def _observed_admin(model_admin, user) -> tuple[str, str, str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    view = model_admin.has_module_permission(request) and model_admin.has_view_or_change_permission(request)
    return (
        "Y" if view else "-",
        "Y" if model_admin.has_add_permission(request) else "-",
        "Y" if model_admin.has_change_permission(request) else "-",
    )


@pytest.mark.django_db
def test_every_api_operation_has_a_row_and_behaves_as_it_says(org, api_for) -> None:
    ops = operations()
    keys = {f"{m} {p}" for m, p, _ in ops}
    missing = sorted(keys - API.keys())
    dump = os.environ.get("SQMS_MATRIX_DUMP")
    by_role = users(org)
    clients = {role: api_for(user) for role, user in by_role.items()}
    anonymous = Client()
    observed: dict[str, str] = {}
    problems = []
    for method, path, spec in ops:
        key = f"{method} {path}"
        codes = []
        public = "security" not in spec  # auth=None operations carry no security requirement
        for role in ROLES:
            status = call(clients[role], method, path, spec)
            ok = status not in (401, 403)
            codes.append(("P" if public else "Y") if ok else "-")
            if key in API:
                if allowed(API[key], role) and not ok:
                    problems.append(f"{key}: {role} should be allowed, got {status}")
                if not allowed(API[key], role) and 200 <= status < 300:
                    problems.append(f"{key}: {role} should be denied, got {status}")
        if key in API and set(API[key]) == {"P"}:
            status = call(anonymous, method, path, spec)
            if status == 401:
                problems.append(f"{key}: public but anonymous got 401")
        elif key in API and method == "GET":
            status = call(anonymous, method, path, spec)
            if status != 401:
                problems.append(f"{key}: anonymous got {status}")
        observed[key] = "".join(codes)
    if dump:
        with open(dump, "w") as fh:
            fh.write(pprint.pformat(observed, width=110, sort_dicts=True))
    assert not missing, f"{len(missing)} API operations without a row in the permission matrix: {missing}"
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_every_back_office_register_has_a_row_and_behaves_as_it_says(org) -> None:
    by_role = users(org)
    observed: dict[str, tuple[str, str, str]] = {}
    problems = []
    for model, model_admin in admin.site._registry.items():
        key = f"{model._meta.app_label}.{model._meta.model_name}"
        rows = [_observed_admin(model_admin, by_role[role]) for role in ROLES]
        observed[key] = tuple("".join(r[i] for r in rows) for i in range(3))  # type: ignore[assignment]
        if key in ADMIN:
            for page, want, got in zip(
                ("changelist", "add", "change"), ADMIN[key], observed[key], strict=True
            ):
                if want.replace("S", "Y") != got:
                    problems.append(f"{key} {page}: matrix {want}, actual {got}")
    if os.environ.get("SQMS_MATRIX_DUMP"):
        with open(os.environ["SQMS_MATRIX_DUMP"] + ".admin", "w") as fh:
            fh.write(pprint.pformat(observed, width=110, sort_dicts=True))
    missing = sorted(observed.keys() - ADMIN.keys())
    assert not missing, (
        f"{len(missing)} back-office registers without a row in the permission matrix: {missing}"
    )
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_back_office_pages_answer_as_the_matrix_says(org, client_for) -> None:
    """The HTTP pages agree with the permission methods (a sample: every register's list for two roles)."""
    by_role = users(org)
    for role in ("unit_manager", "executive"):
        client = client_for(by_role[role])
        for model in admin.site._registry:
            key = f"{model._meta.app_label}.{model._meta.model_name}"
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            response = client.get(url)
            status = response.status_code
            if allowed(ADMIN[key][0], role):  # a single-record register may redirect to its one record
                assert status == 200 or (status == 302 and "/login/" not in response["Location"]), (
                    f"{url} as {role}: {status}"
                )
            else:  # refused, or (single-record registers) redirected to a page that refuses
                if status == 302:
                    status = client.get(response["Location"]).status_code
                assert status in (302, 403, 404), f"{url} as {role}: {status}"
