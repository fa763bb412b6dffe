"""Security headers on a back-office page, a public page and the API."""

from __future__ import annotations

import pytest
from django.test import Client


def _directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _common(response) -> dict[str, list[str]]:
    csp = _directives(response["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    return csp


@pytest.mark.django_db
def test_back_office_page_headers(org, client_for) -> None:
    r = client_for(org.quality).get("/admin/")
    assert r.status_code == 200
    csp = _common(r)
    assert "'self'" in csp["script-src"]
    strict = _directives(r["Content-Security-Policy-Report-Only"])
    assert "'unsafe-inline'" not in strict["script-src"]


@pytest.mark.django_db
def test_public_page_headers_are_strict(org) -> None:
    from sqms.core.security.headers import static_inline_hashes

    r = Client().get("/complaints/new/")
    assert r.status_code == 200
    csp = _common(r)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert set(static_inline_hashes()) <= set(csp["script-src"])


@pytest.mark.django_db
def test_api_headers(org, api_for) -> None:
    r = api_for(org.quality).get("/api/v1/me")
    assert r.status_code == 200
    csp = _common(r)
    assert csp["script-src"][0] == "'self'" and "'unsafe-inline'" not in csp["script-src"]


def test_production_mode_sets_hsts_and_secure_cookies(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SQMS_PRODUCTION": "1",
        "SQMS_SECRET_KEY": "y" * 64 + "-Prod-Secret",
        "SQMS_ALLOWED_HOSTS": "sqms.example.com",
        "SQMS_DATA_DIR": str(tmp_path),
    }
    env.pop("SQMS_TESTING", None)
    code = (
        "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','sqms.settings');django.setup();"
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " ','.join(s.SQMS_REQUIRE_2FA_ROLES))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    hsts, session_secure, csrf_secure, redirect, roles = out.stdout.split()
    assert int(hsts) >= 31536000 and session_secure == csrf_secure == redirect == "True"
    assert roles == "system_admin,quality_manager"
