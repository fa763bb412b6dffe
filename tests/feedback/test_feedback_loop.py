"""好差评 closed loop, group bots against a local signature-checking server, public pages, admin pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core.cache import cache

from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditEntry, Notification
from sqms.feedback import bots, services
from sqms.feedback.models import Bot, BotDelivery, Rating, Rectification, Ticket

pytestmark = pytest.mark.django_db
SECRET = "SEC0123456789abcdef"


def test_bad_review_opens_rectification_and_upheld_appeal_excludes(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    r = services.rate(actor=org.agent_a, org_unit=t.org_unit, score=2, ticket=t, reasons="排队久")
    rect = Rectification.objects.get(rating=r)
    assert rect.due_at is not None and rect.due_at > r.rated_at  # HCP-RECTIFY: 5 working days
    assert Notification.objects.filter(recipient=org.manager_a, kind="feedback").exists()
    with pytest.raises(ValidationFailed):
        services.rate(actor=org.agent_a, org_unit=t.org_unit, score=5, ticket=t)
    with pytest.raises(ValidationFailed):
        services.verify_rectification(rect, actor=org.manager_a, verdict="mistaken", evidence="")
    rect = services.verify_rectification(
        rect, actor=org.manager_a, verdict="mistaken", evidence="系统记录显示已办结"
    )
    appeal = rect.appeals.get()
    services.decide_appeal(appeal, actor=org.quality, upheld=True, note="评价与事实不符")
    r.refresh_from_db()
    assert r.excluded and r.score == 2  # kept, flagged
    assert AuditEntry.objects.filter(object_id=str(r.pk), verb__isnull=False, action="update").exists()
    assert t.events.filter(
        public=True, kind="reply", body__contains="评价与事实不符"
    ).exists()  # reviewer told


def test_valid_rectification_completes_on_time(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    r = services.rate(actor=org.agent_a, org_unit=t.org_unit, score=1, ticket=t)
    rect = services.verify_rectification(
        r.rectification, actor=org.manager_a, verdict="valid", evidence="属实"
    )
    rect = services.complete_rectification(rect, actor=org.manager_a, action_taken="约谈并培训")
    assert rect.status == "done" and rect.on_time is True
    services.rate_fix(rect, score=4)
    with pytest.raises(ValidationFailed):
        services.complete_rectification(rect, actor=org.manager_a, action_taken="again")


def test_good_rating_opens_nothing(org: Any) -> None:
    services.rate(actor=org.agent_a, org_unit=org.team_a, score=4)
    assert Rectification.objects.count() == 0


# --- bots ---------------------------------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    fail_next = 0

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        parsed = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(parsed.query)
        ok = True
        if parsed.path == "/dingtalk":
            ts = q["timestamp"][0]
            expected = base64.b64encode(
                hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
            ).decode()
            ok = q["sign"][0] == expected and abs(int(ts) - time.time() * 1000) < 3_600_000
        elif parsed.path == "/feishu":
            ts = body["timestamp"]
            expected = base64.b64encode(
                hmac.new(f"{ts}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
            ).decode()
            ok = body["sign"] == expected and abs(int(ts) - time.time()) < 3600
        if Receiver.fail_next > 0:
            Receiver.fail_next -= 1
            self.send_response(500)
            self.end_headers()
            return
        Receiver.received.append({"path": parsed.path, "body": body, "ok": ok})
        self.send_response(200 if ok else 403)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"errcode": 0 if ok else 310000, "code": 0 if ok else 19021}).encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Any:
    Receiver.received = []
    Receiver.fail_next = 0
    httpd = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def _bot(org: Any, kind: str, url: str, secret: str = SECRET) -> Bot:
    return Bot.objects.create(
        name=kind,
        kind=kind,
        org_unit=org.branch_a,
        webhook_url=url,
        secret=secret,
        events=["new_complaint", "bad_review", "breach", "escalation"],
    )


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "wecom"])
def test_bot_signatures_checked_by_local_server(org: Any, server: str, kind: str) -> None:
    bot = _bot(org, kind, f"{server}/{kind}")
    [d] = bots.dispatch(org.team_a, "new_complaint", "新投诉", "营业厅排队")
    assert bots.deliver(d.pk, sleep=lambda s: None) == "sent"
    assert Receiver.received and Receiver.received[-1]["ok"] is True
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 1
    wrong = _bot(org, kind, f"{server}/{kind}", secret="wrong")
    [d2] = [x for x in bots.dispatch(org.team_a, "bad_review", "差评", "x") if x.bot_id == wrong.pk]
    status = bots.deliver(d2.pk, sleep=lambda s: None)
    if kind != "wecom":
        assert status == "failed"  # the server rejected the bad signature
    assert bot.pk


def test_bot_retries_then_succeeds(org: Any, server: str) -> None:
    _bot(org, "dingtalk", f"{server}/dingtalk")
    Receiver.fail_next = 2
    slept: list[float] = []
    [d] = bots.dispatch(org.team_a, "breach", "超时", "x")
    assert bots.deliver(d.pk, sleep=slept.append) == "sent"
    d.refresh_from_db()
    assert d.attempts == 3 and slept == [1.0, 3.0]


def test_bot_rate_limit_merges_overflow_into_digest(org: Any, server: str) -> None:
    _bot(org, "wecom", f"{server}/wecom")
    ds = [bots.dispatch(org.team_a, "escalation", f"升级 {i}", f"工单 {i}")[0] for i in range(25)]
    results = [bots.deliver(d.pk, sleep=lambda s: None) for d in ds]
    assert results.count("sent") == 20 and results.count("queued") == 5
    assert len(Receiver.received) == 20
    BotDelivery.objects.filter(status="sent").update(
        sent_at=BotDelivery.objects.first().created_at.replace(year=2000)
    )
    assert bots.flush_digests(sleep=lambda s: None) == 1
    digest = Receiver.received[-1]["body"]["markdown"]["content"]
    assert "升级 24" in digest and digest.count("\n- ") >= 4
    assert BotDelivery.objects.filter(status="digested").count() == 5


# --- public pages ---------------------------------------------------------------------------------------


def test_public_form_honeypot_rate_limit_and_tracking(org: Any, client: Any) -> None:
    cache.clear()
    form = {
        "kind": "complaint",
        "org_unit": org.team_a.pk,
        "title": "排队太久",
        "description": "等了一个小时",
        "contact_name": "李女士",
        "contact_phone": "13800000000",
    }
    r = client.get("/complaints/new/")
    assert r.status_code == 200 and "website" in r.content.decode()
    r = client.post("/complaints/new/", {**form, "website": "http://spam"})
    assert r.status_code == 200 and Ticket.objects.count() == 0
    r = client.post("/complaints/new/", {**form, "contact_phone": "abc"})
    assert r.status_code == 200 and Ticket.objects.count() == 0 and "errorlist" in r.content.decode()
    r = client.post("/complaints/new/", form)
    t = Ticket.objects.get()
    assert t.number in r.content.decode() and t.verification_code in r.content.decode()
    assert t.channel == "web" and t.category.code == "CAT-WAIT"
    for _i in range(5):
        r = client.post("/complaints/new/", form)
    assert r.status_code == 429
    r = client.get(
        "/complaints/track/",
        {"number": t.number, "code": "000000" if t.verification_code != "000000" else "111111"},
    )
    assert t.title not in r.content.decode()
    services.add_message(t, actor=org.agent_a, body="您好，我们正在处理", public=True)
    services.add_message(t, actor=org.agent_a, body="内部：客户情绪激动", public=False)
    r = client.get("/complaints/track/", {"number": t.number, "code": t.verification_code})
    html = r.content.decode()
    assert "您好，我们正在处理" in html and "内部" not in html.split("replies")[-1]
    services.transition(t, actor=org.agent_a, action="accept")
    services.transition(Ticket.objects.get(pk=t.pk), actor=org.agent_a, action="resolve")
    r = client.post(
        "/complaints/track/",
        {
            "number": t.number,
            "code": t.verification_code,
            "followup": "1",
            "resolved": "1",
            "score": "2",
            "reasons": "太慢",
        },
    )
    t.refresh_from_db()
    assert t.status == "confirmed" and t.customer_resolved is True
    rating = Rating.objects.get(ticket=t)
    assert rating.score == 2 and Rectification.objects.filter(rating=rating).exists()


def test_customer_not_resolved_reopens(org: Any, client: Any, make_ticket: Any) -> None:
    t = make_ticket()
    t = services.transition(t, actor=org.agent_a, action="accept")
    t = services.transition(t, actor=org.agent_a, action="resolve")
    client.post(
        "/complaints/track/",
        {"number": t.number, "code": t.verification_code, "followup": "1", "resolved": "0", "score": "3"},
    )
    t.refresh_from_db()
    assert t.status == "in_progress" and t.customer_resolved is False


# --- back-office pages ------------------------------------------------------------------------------------


def test_admin_ticket_page_scoped_with_actions(org: Any, client_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    url = f"/admin/feedback/ticket/{t.pk}/change/"
    r = client_for(org.agent_a).get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="sla"' in html and 'data-action="accept"' in html and 'id="timeline"' in html
    assert client_for(org.manager_b).get(url).status_code in (302, 404)
    r = client_for(org.manager_b).post(f"/admin/feedback/ticket/{t.pk}/act/", {"action": "accept"})
    assert r.status_code == 404
    assert Ticket.objects.get(pk=t.pk).status == "new"
    r = client_for(org.executive).get(url)
    assert r.status_code == 200 and 'data-action="accept"' not in r.content.decode()
    r = client_for(org.agent_a).post(
        f"/admin/feedback/ticket/{t.pk}/act/", {"action": "accept", "version": "1"}
    )
    assert r.status_code == 302 and Ticket.objects.get(pk=t.pk).status == "accepted"
    r = client_for(org.agent_a).post(
        f"/admin/feedback/ticket/{t.pk}/act/", {"action": "resolve", "version": "1"}, follow=True
    )
    assert Ticket.objects.get(pk=t.pk).status == "accepted"
    assert (
        "reload" in r.content.decode().lower() or "刷新" in r.content.decode() or "重新" in r.content.decode()
    )


def test_analysis_page_and_export(org: Any, client_for: Any, make_ticket: Any) -> None:
    for _i in range(3):
        make_ticket()
    t = make_ticket(unit=org.team_b)
    services.rate(actor=org.quality, org_unit=t.org_unit, score=1, ticket=t)
    r = client_for(org.quality).get("/feedback/analysis/")
    assert r.status_code == 200 and "pareto" in r.content.decode()
    r = client_for(org.manager_a).get("/feedback/analysis/")
    assert r.context["report"]["total"] == 3 and r.context["report"]["bad_review_rate"] is None
    r = client_for(org.quality).get("/feedback/analysis/", {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_export_and_import(org: Any, make_ticket: Any) -> None:
    from sqms.core.io import export_kind, import_file

    make_ticket()
    data, _ctype = export_kind("feedback", actor=org.manager_a, fmt="csv")
    assert "营业厅排队时间太长" in data.decode("utf-8-sig")
    csv_text = "org unit,title,kind,priority\nBA-T,停电三小时,complaint,P2\nNOPE,x,complaint,P9\n"
    report = import_file("feedback", actor=org.manager_a, raw=csv_text.encode(), filename="t.csv")
    assert report.written == 0 and {e.line for e in report.errors} == {3}
    report = import_file(
        "feedback", actor=org.manager_a, raw=csv_text.encode(), filename="t.csv", skip_invalid=True
    )
    assert report.written == 1 and Ticket.objects.filter(title="停电三小时", channel="import").exists()
