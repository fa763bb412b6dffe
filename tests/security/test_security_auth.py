"""Sign-in hardening: lock-out (django-axes) on the admin login and the token endpoint, the password policy,
TOTP two-factor (enrol, verify, required roles), and API tokens (hashed, scoped, expiring, revocable)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sqms.core.errors import ValidationFailed
from sqms.core.models import ApiToken
from sqms.core.services import create_api_token, revoke_api_token
from sqms_testing import PASSWORD


def _totp(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _post_login(client: Client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


@pytest.mark.django_db
def test_admin_login_locks_out_after_failures(org, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _post_login(client, "quality", "wrong-password").status_code == 200
    assert _post_login(client, "quality", "wrong-password").status_code == 429  # the limit is reached
    locked = _post_login(client, "quality", PASSWORD)  # even the right password is refused now
    assert locked.status_code == 429
    assert "quality" not in locked.cookies.get("sessionid", "") and "_auth_user_id" not in client.session
    # another user from the same address is not locked (the pair user + address is)
    ok = _post_login(Client(), "manager_a", PASSWORD)
    assert ok.status_code == 302


@pytest.mark.django_db
def test_token_endpoint_counts_failures_and_locks_out(org, settings) -> None:
    client = Client()
    url = "/api/v1/auth/token"
    bad = {"username": "manager_a", "password": "nope-nope-nope"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = client.post(url, bad, content_type="application/json")
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    r = client.post(url, bad, content_type="application/json")
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked_out"
    r = client.post(url, {**bad, "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked_out"


@pytest.mark.django_db
def test_token_endpoint_issues_a_hashed_scoped_token(org) -> None:
    r = Client().post(
        "/api/v1/auth/token",
        {"username": "manager_a", "password": PASSWORD, "name": "crm", "apps": ["feedback"]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    key = r.json()["key"]
    token = ApiToken.objects.get(pk=r.json()["id"])
    assert key not in json.dumps(list(ApiToken.objects.values()), default=str)  # only the hash is stored
    assert token.key_hash == ApiToken.hash_key(key) and token.apps == ["feedback"] and not token.can_write
    c = Client(headers={"Authorization": f"Bearer {key}"}, REMOTE_ADDR="10.1.2.3")
    assert c.get("/api/v1/feedback").status_code == 200
    denied = c.get("/api/v1/me")  # a platform endpoint: outside the token's modules
    assert denied.status_code == 403 and denied.json()["error"]["message"] == "此 API 令牌无权使用该模块。"
    assert c.post("/api/v1/notifications/read", {}, content_type="application/json").status_code == 403
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_ip == "10.1.2.3"


@pytest.mark.django_db
def test_token_expiry_revocation_and_bad_module(org) -> None:
    token, key = create_api_token(actor=org.agent_a, user=org.agent_a, name="t", days=1)
    c = Client(headers={"Authorization": f"Bearer {key}"})
    assert c.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert c.get("/api/v1/me").status_code == 401
    token2, key2 = create_api_token(actor=org.agent_a, user=org.agent_a, name="t2")
    revoke_api_token(token2, actor=org.agent_a)
    assert Client(headers={"X-API-Key": key2}).get("/api/v1/me").status_code == 401
    with pytest.raises(ValidationFailed) as err:
        create_api_token(actor=org.agent_a, user=org.agent_a, name="t3", apps=["nosuchapp"])
    assert "apps" in err.value.fields


@pytest.mark.django_db
def test_password_policy(org) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from sqms.org.services import create_staff

    with pytest.raises(ValidationError):
        validate_password("Abc@12345")  # 9 characters
    with pytest.raises(ValidationFailed) as err:
        create_staff(
            actor=org.admin,
            username="newbie",
            name="New",
            employee_no="E-new",
            org_unit=org.team_a,
            password="12345678901",
        )
    assert "password" in err.value.fields


@pytest.mark.django_db
def test_totp_enrol_and_verify(org, client_for) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = client_for(org.manager_a)
    page = client.get("/core/2fa/setup/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=org.manager_a, confirmed=False)
    assert page.context["secret"] and _totp(device) != "000000"
    wrong = client.post("/core/2fa/setup/", {"code": "000000" if _totp(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and wrong.context["error"]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # wrong codes are throttled (django-otp)
    device.throttle_reset()
    ok = client.post("/core/2fa/setup/", {"code": _totp(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200  # this session is verified
    # A new session must give the code before the back office or the session API answer.
    other = client_for(org.manager_a)
    held = other.get("/admin/")
    assert held.status_code == 302 and held["Location"].startswith("/core/2fa/verify/")
    api = other.get("/api/v1/me")
    assert api.status_code == 401 and api.json()["error"]["code"] == "two_factor_required"
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again in this test
    device.save()
    assert other.post("/core/2fa/verify/", {"code": _totp(device)}).status_code == 302
    assert other.get("/admin/").status_code == 200
    # The token endpoint wants the code too.
    r = Client().post(
        "/api/v1/auth/token",
        {"username": "manager_a", "password": PASSWORD},
        content_type="application/json",
    )
    assert r.status_code == 401 and r.json()["error"]["fields"]["otp"]


@pytest.mark.django_db
def test_required_roles_must_enrol(org, client_for, settings, api_for) -> None:
    settings.SQMS_REQUIRE_2FA_ROLES = ["system_admin", "quality_manager"]
    for user in (org.quality, org.admin):
        held = client_for(user).get("/admin/")
        assert held.status_code == 302 and held["Location"].startswith("/core/2fa/setup/")
    assert client_for(org.manager_a).get("/admin/").status_code == 200  # not a required role
    assert api_for(org.quality).get("/api/v1/me").status_code == 200  # tokens are separate credentials
