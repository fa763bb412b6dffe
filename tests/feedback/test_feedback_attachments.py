"""Attachments (API and ticket page), comment endpoints, the customer 360 page/API and the warning to
system admins about a calendar year without known holidays."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sqms.core.models import AuditEntry, Notification
from sqms.feedback import services
from sqms.feedback.models import Attachment, Calendar, TicketEvent

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(api: Any, number: str, name: str, content: bytes, **extra: Any) -> Any:
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    return api.post(
        f"/api/v1/feedback/{number}/attachments",
        {"file": SimpleUploadedFile(name, content), **extra},
        **headers,
    )


def test_api_upload_list_download_and_scope(org: Any, api_for: Any, make_ticket: Any, media: Path) -> None:
    t = make_ticket()
    api = api_for(org.agent_a)
    r = upload(api, t.number, "现场照片.png", PNG, public="true")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name"] == "现场照片.png" and body["size"] == len(PNG) and body["public"] is True
    att = Attachment.objects.get(pk=body["id"])
    stored = Path(att.file.path)
    assert stored.is_file() and media in stored.parents and stored.read_bytes() == PNG
    assert stored.suffix == ".png" and "现场照片" not in stored.name  # random stored name
    listed = api.get(f"/api/v1/feedback/{t.number}/attachments").json()
    assert [a["id"] for a in listed] == [att.pk]
    got = api.get(body["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert "attachment" in got["Content-Disposition"]
    assert TicketEvent.objects.filter(ticket=t, kind="attachment", body="现场照片.png").exists()
    assert AuditEntry.objects.filter(object_id=str(att.pk), action="create").exists()
    # out of scope: 404 for list, download and upload alike
    other = api_for(org.manager_b)
    assert other.get(f"/api/v1/feedback/{t.number}/attachments").status_code == 404
    assert other.get(body["url"]).status_code == 404
    assert upload(other, t.number, "x.png", PNG).status_code == 404
    # archived: no longer listed or downloadable, still in the audit trail
    assert api.delete(body["url"]).status_code == 204
    assert api.get(f"/api/v1/feedback/{t.number}/attachments").json() == []
    assert api.get(body["url"]).status_code == 404
    assert AuditEntry.objects.filter(object_id=str(att.pk), action="archive").exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("virus.exe", b"MZ" + b"\x00" * 10, "type"),
        ("fake.png", b"%PDF-1.4 not a png", "valid .png"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_files_are_refused_naming_the_field(
    org: Any, api_for: Any, make_ticket: Any, name: str, content: bytes, reason: str
) -> None:
    t = make_ticket()
    r = upload(api_for(org.agent_a), t.number, name, content, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422, r.content
    err = r.json()["error"]
    assert "file" in err["fields"] and reason in " ".join(err["fields"]["file"])
    assert not Attachment.objects.exists()
    assert not TicketEvent.objects.filter(kind="attachment").exists()


def test_size_limit(org: Any, make_ticket: Any, monkeypatch: Any) -> None:
    from sqms.core.errors import ValidationFailed
    from sqms.feedback import models

    monkeypatch.setattr(models, "MAX_ATTACHMENT_BYTES", 100)
    t = make_ticket()
    with pytest.raises(ValidationFailed) as exc:
        services.add_attachment(t, actor=org.agent_a, file=SimpleUploadedFile("big.txt", b"x" * 101))
    assert "file" in exc.value.fields and "MB" in exc.value.fields["file"][0]
    services.add_attachment(t, actor=org.agent_a, file=SimpleUploadedFile("ok.txt", b"x" * 100))


def test_read_only_roles_cannot_attach(org: Any, api_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    r = upload(api_for(org.executive), t.number, "a.png", PNG)
    assert r.status_code == 403


def test_ticket_page_upload_list_download(org: Any, client_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    c = client_for(org.agent_a)
    act = f"/admin/feedback/ticket/{t.pk}/act/"
    r = c.post(act, {"action": "attach", "file": SimpleUploadedFile("回执.pdf", b"%PDF-1.4 hello")})
    assert r.status_code == 302
    att = Attachment.objects.get(ticket=t)
    page = c.get(f"/admin/feedback/ticket/{t.pk}/change/").content.decode()
    url = f"/admin/feedback/ticket/{t.pk}/attachments/{att.pk}/"
    assert "回执.pdf" in page and url in page and 'id="attachment-form"' in page
    got = c.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 hello"
    assert client_for(org.manager_b).get(url).status_code in (302, 404)  # not his ticket
    # a refused file leaves a message and nothing stored
    c.post(act, {"action": "attach", "file": SimpleUploadedFile("x.exe", b"MZ")})
    assert Attachment.objects.filter(ticket=t).count() == 1
    c.post(act, {"action": "detach", "attachment": att.pk})
    assert not Attachment.objects.active().filter(ticket=t).exists()


def test_comment_endpoints(org: Any, api_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    api = api_for(org.agent_a)
    url = f"/api/v1/feedback/{t.number}/comments"
    r = api.post(url, json.dumps({"body": "内部：先核实电表"}), content_type="application/json")
    assert r.status_code == 201 and r.json()["public"] is False and r.json()["kind"] == "note"
    r = api.post(
        url, json.dumps({"body": "您好，已安排上门", "public": True}), content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["kind"] == "reply"
    assert [c["body"] for c in api.get(url).json()] == ["内部：先核实电表", "您好，已安排上门"]
    assert [c["body"] for c in api.get(url + "?public=true").json()] == ["您好，已安排上门"]
    assert [c["body"] for c in api.get(url + "?public=false").json()] == ["内部：先核实电表"]
    r = api.post(url, json.dumps({"body": "  "}), content_type="application/json")
    assert r.status_code == 422 and "body" in r.json()["error"]["fields"]
    assert api_for(org.manager_b).get(url).status_code == 404


@pytest.fixture
def customer(org: Any) -> Any:
    from sqms.org.models import Customer

    return Customer.objects.create(kind="person", name="王小明", org_unit=org.team_a)


def test_customer_360_page_and_api(
    org: Any, client_for: Any, api_for: Any, make_ticket: Any, customer: Any
) -> None:
    t1 = make_ticket(customer=customer, title="电费多扣")
    make_ticket(customer=customer, title="再次投诉电费")
    make_ticket(title="别人的投诉")
    services.rate(
        actor=org.quality, org_unit=org.team_a, score=2, customer=customer, ticket=t1, reasons="态度差"
    )
    c = client_for(org.quality)
    page = c.get(f"/feedback/customers/{customer.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "电费多扣" in html and "再次投诉电费" in html and "别人的投诉" not in html
    assert 'id="c360-tickets">2<' in html and 'id="c360-ratings">1<' in html
    # reachable from the ticket page and from the customer list
    assert (
        f"/feedback/customers/{customer.pk}/"
        in c.get(f"/admin/feedback/ticket/{t1.pk}/change/").content.decode()
    )
    assert f"/feedback/customers/{customer.pk}/" in c.get("/admin/org/customer/").content.decode()
    data = api_for(org.quality).get(f"/api/v1/feedback/customers/{customer.pk}").json()
    assert data["summary"]["tickets"] == 2 and data["summary"]["bad_reviews"] == 1
    assert {x["number"] for x in data["tickets"]} == {t1.number, data["tickets"][0]["number"]}
    assert data["timeline"][0]["at"] >= data["timeline"][-1]["at"]
    # scoped: branch B's manager does not see a branch A customer
    assert client_for(org.manager_b).get(f"/feedback/customers/{customer.pk}/").status_code == 404
    assert api_for(org.manager_b).get(f"/api/v1/feedback/customers/{customer.pk}").status_code == 404


def test_uncovered_calendar_year_warns_system_admins_once(org: Any, client_for: Any) -> None:
    from datetime import UTC, datetime

    from sqms.feedback.presets import ensure_presets

    ensure_presets()
    cal = Calendar.objects.get(code="CN")
    cal.covered_years = [y for y in cal.covered_years if y < 2026]
    cal.save()
    now = datetime(2026, 12, 5, 3, tzinfo=UTC)
    out = services.check_calendar_coverage(now)
    assert out == {"CN": [2026, 2027]}
    notes = Notification.objects.filter(kind="calendar")
    assert notes.count() == 1 and notes.get().recipient == org.admin
    assert "2026, 2027" in notes.get().title
    assert services.check_calendar_coverage(now) == {}  # once only
    assert Notification.objects.filter(kind="calendar").count() == 1
    page = client_for(org.admin).get(f"/admin/feedback/calendar/{cal.pk}/change/").content.decode()
    assert 'id="calendar-warning"' in page


def test_demo_attachments_are_real_files(org: Any, make_ticket: Any, media: Path) -> None:
    import random

    from sqms.feedback.demo import _seed_attachments
    from sqms.feedback.models import Ticket

    for i in range(5):
        t = make_ticket(title=f"停电投诉 {i}")
        Ticket.objects.filter(pk=t.pk).update(number=f"DM{i:08d}")
    assert _seed_attachments(random.Random(1), 3) == 3
    atts = list(Attachment.objects.all())
    assert len(atts) == 3 and all(Path(a.file.path).is_file() for a in atts)
    assert all(
        media in Path(a.file.path).parents and a.size == Path(a.file.path).stat().st_size for a in atts
    )


def test_public_form_upload_and_tracking_page_files(org: Any, make_ticket: Any) -> None:
    from django.core.cache import cache
    from django.test import Client

    from sqms.feedback.models import Ticket

    cache.clear()
    c = Client()
    form = {
        "kind": "complaint",
        "org_unit": org.team_a.pk,
        "title": "路灯不亮",
        "description": "小区门口路灯坏了一周",
        "contact_name": "张先生",
        "contact_phone": "13800002222",
    }
    bad = c.post("/complaints/new/", {**form, "attachment": SimpleUploadedFile("x.exe", b"MZ")})
    assert bad.status_code == 200 and not Ticket.objects.filter(title="路灯不亮").exists()
    assert "attachment" in bad.context["form"].errors
    r = c.post("/complaints/new/", {**form, "attachment": SimpleUploadedFile("路灯.png", PNG)})
    assert r.status_code == 200
    t = Ticket.objects.get(title="路灯不亮")
    att = Attachment.objects.get(ticket=t)
    assert att.public and att.created_by is None and att.name == "路灯.png"
    internal = services.add_attachment(t, actor=org.agent_a, file=SimpleUploadedFile("内部.txt", b"note"))
    page = c.get("/complaints/track/", {"number": t.number, "code": t.verification_code})
    html = page.content.decode()
    assert "路灯.png" in html and "内部.txt" not in html
    url = f"/complaints/track/files/{att.pk}/"
    got = c.get(url, {"number": t.number, "code": t.verification_code})
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert c.get(url, {"number": t.number, "code": "000000"}).status_code == 404
    internal_url = f"/complaints/track/files/{internal.pk}/"
    assert c.get(internal_url, {"number": t.number, "code": t.verification_code}).status_code == 404
