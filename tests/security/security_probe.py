"""Shared by the permission-matrix test: every API operation from the OpenAPI schema, a request that reaches
it, and the observed outcome per role. (Not a test module itself.)"""

from __future__ import annotations

import json
from typing import Any

from sqms.core.security.matrix import ROLES

FAKE = {"integer": "0", "number": "0", "boolean": "false"}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    from sqms.api import api

    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, spec)
        for path, item in schema["paths"].items()
        for method, spec in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def request_for(path: str, spec: dict[str, Any]) -> tuple[str, dict[str, str]]:
    query: dict[str, str] = {}
    for p in spec.get("parameters", []):
        kind = (p.get("schema") or {}).get("type", "string")
        value = FAKE.get(kind, "zz-none")
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", value)
        elif p["in"] == "query" and p.get("required"):
            query[p["name"]] = value
    return path, query


def call(client: Any, method: str, path: str, spec: dict[str, Any]) -> int:
    url, query = request_for(path, spec)
    if method == "GET":
        return int(client.get(url, query).status_code)
    body = spec.get("requestBody", {}).get("content", {})
    if "application/json" in body or not body:
        return int(
            client.generic(
                method,
                url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                json.dumps({}),
                content_type="application/json",
            ).status_code
        )
    return int(client.generic(method, url, b"", content_type="multipart/form-data; boundary=x").status_code)


def users(org: Any) -> dict[str, Any]:
    return dict(
        zip(
            ROLES,
            [org.admin, org.quality, org.manager_a, org.agent_a, org.auditor, org.executive],
            strict=True,
        )
    )
