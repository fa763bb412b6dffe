"""The data-push receiver (POST /surveys/push/<slug>/): signature (HMAC-SHA256 with timestamp, or the
SHA-1-of-fields scheme of survey platforms), duplicates by response id ignored, validation naming the
field with nothing stored, rate limit, audit."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.test import Client

from sqms.surveys.models import Response

pytestmark = pytest.mark.django_db
SECRET = "s3cr3t-shared-with-the-tool"


@pytest.fixture
def pushed(campaign: Any) -> Any:
    campaign.push_secret = SECRET
    campaign.save(update_fields=["push_secret"])
    return campaign


def _post(
    campaign: Any, payload: Any, *, secret: str = SECRET, ts: float | None = None, raw: bytes | None = None
) -> Any:
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(ts if ts is not None else time.time()))
    sig = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return Client().post(
        f"/surveys/push/{campaign.slug}/",
        body,
        content_type="application/json",
        HTTP_X_SQMS_SIGNATURE=f"sha256={sig}",
        HTTP_X_SQMS_TIMESTAMP=stamp,
    )


GOOD = {"id": "wjx-1001", "answers": {"csat": 5, "nps": 9, "resolved": 1}, "duration_s": 95.5,
        "submitted_at": "2026-03-01T10:15:00+08:00", "org_unit": "BA-T"}  # fmt: skip


def test_signed_push_is_stored_once_and_audited(org, pushed):
    from sqms.core.models import AuditEntry

    r = _post(pushed, GOOD)
    assert r.status_code == 201, r.content
    resp = Response.objects.get(pk=r.json()["id"])
    assert resp.source == "push" and resp.external_id == "wjx-1001" and resp.answers["csat"] == 5
    assert resp.org_unit.code == "BA-T" and resp.duration_s == 95.5
    assert resp.submitted_at.isoformat().startswith("2026-03-01T02:15")
    again = _post(pushed, GOOD)  # the tool retries: acknowledged, nothing new
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "id": resp.pk}
    assert Response.objects.filter(campaign=pushed).count() == 1
    assert (
        AuditEntry.objects.filter(
            verb__in=["Response pushed", "答卷已推送"], object_id=str(pushed.pk)
        ).count()
        == 1
    )


def test_bad_signatures_are_rejected_and_nothing_stored(org, pushed):
    assert _post(pushed, GOOD, secret="wrong").json()["error"]["code"] == "signature_mismatch"
    stale = _post(pushed, GOOD, ts=time.time() - 3600)
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "signature_stale"
    unsigned = Client().post(
        f"/surveys/push/{pushed.slug}/", json.dumps(GOOD), content_type="application/json"
    )
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "signature_missing"
    # a body changed after signing
    body = json.dumps(GOOD).encode()
    stamp = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    tampered = Client().post(
        f"/surveys/push/{pushed.slug}/", body.replace(b'"csat": 5', b'"csat": 1'),
        content_type="application/json", HTTP_X_SQMS_SIGNATURE=sig, HTTP_X_SQMS_TIMESTAMP=stamp,
    )  # fmt: skip
    assert tampered.status_code == 401
    assert not Response.objects.filter(campaign=pushed).exists()


def test_push_disabled_and_bad_payloads(org, campaign, pushed):
    r = _post(pushed, None, raw=b"not json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    r = _post(pushed, {"answers": {"csat": 9, "nps": 9, "resolved": 1}, "org_unit": "BB-T", "duration_s": -3})
    assert r.status_code == 422
    assert {"id", "org_unit", "duration_s"} <= set(r.json()["error"]["fields"])
    r = _post(pushed, {**GOOD, "answers": {"csat": 9, "resolved": 1}})
    assert r.status_code == 422 and {"csat", "nps"} <= set(r.json()["error"]["fields"])
    assert not Response.objects.filter(campaign=pushed).exists()
    pushed.push_secret = ""
    pushed.save(update_fields=["push_secret"])
    assert _post(pushed, GOOD).status_code == 404


def test_sha1_fields_scheme(org, pushed):
    pushed.push_signature = "sha1-fields"
    pushed.push_sign_fields = ["id", "submitted_at"]
    pushed.save(update_fields=["push_signature", "push_sign_fields"])
    sign = hashlib.sha1((GOOD["id"] + GOOD["submitted_at"] + SECRET).encode()).hexdigest()
    c = Client()
    url = f"/surveys/push/{pushed.slug}/"
    ok = c.post(url, json.dumps({**GOOD, "sign": sign}), content_type="application/json")
    assert ok.status_code == 201, ok.content
    bad = c.post(url, json.dumps({**GOOD, "id": "x2", "sign": sign}), content_type="application/json")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "signature_mismatch"


def test_rate_limit(org, pushed, settings):
    settings.SQMS_SURVEY_PUSH_RATE_LIMIT = 3
    codes = [_post(pushed, {**GOOD, "id": f"r{i}"}).status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Response.objects.filter(campaign=pushed).count() == 3
