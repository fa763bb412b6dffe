"""Platform: settings in production mode, masking, scoping helper, notifications and e-mail."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sqms.core.masking import mask


def test_mask_formats():
    assert mask("13812345678") == "138****5678"
    assert mask("zhang@example.com") == "z***@example.com"
    assert mask("330106199001011234") == "3301**********1234"
    assert mask("") == ""


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "SQMS_PRODUCTION": "1",
        "SQMS_SECRET_KEY": "x" * 64 + "-Prod-Secret-Key-Value-123456",
        "SQMS_ALLOWED_HOSTS": "sqms.example.com",
        "SQMS_DATA_DIR": str(tmp_path),
    }
    env.pop("SQMS_TESTING", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    out = subprocess.run(
        [sys.executable, "-m", "sqms", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_production_refuses_without_secret(tmp_path):
    env = {**os.environ, "SQMS_PRODUCTION": "1", "SQMS_DATA_DIR": str(tmp_path)}
    env.pop("SQMS_SECRET_KEY", None)
    out = subprocess.run(
        [sys.executable, "-m", "sqms", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0 and "SQMS_SECRET_KEY" in out.stderr


@pytest.mark.django_db
def test_notification_email_sent_once(org, mailoutbox):
    from sqms.core.services import notify
    from sqms.core.tasks import send_notification_email

    with __import__("django.test", fromlist=["x"]).TestCase.captureOnCommitCallbacks(execute=True):
        (n,) = notify([org.agent_a], title="SLA 即将超时", body="请处理", email=True)
    assert len(mailoutbox) == 1 and "SLA" in mailoutbox[0].subject
    send_notification_email.call_local(n.pk)  # a second run (e.g. a retry) sends nothing
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_scope_rules(org):
    from sqms.core.scoping import scope_for
    from sqms_testing import fresh

    assert scope_for(fresh(org.quality)).all_units
    assert scope_for(fresh(org.executive)).all_units
    ma = scope_for(fresh(org.manager_a))
    assert ma.covers_path(org.team_a.path) and not ma.covers_path(org.team_b.path)
    au = scope_for(fresh(org.auditor))
    assert (
        au.covers_path(org.team_a.path)
        and au.covers_path(org.team_b.path)
        and not au.covers_path(org.hq.path)
    )
    ag = scope_for(fresh(org.agent_a))
    assert ag.own_only and ag.covers_path(org.team_a.path)


def test_health(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
