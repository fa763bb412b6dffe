"""Photo upload for inspection items over the API (multipart): real images only (content checked, not the
name), size and count limits, all or nothing, scoped (404), audited, and read back through the API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def image(name: str = "photo.png", fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture
def inspection(org: Any, settings: Any, tmp_path: Any) -> Any:
    from sqms.audits import services

    settings.MEDIA_ROOT = str(tmp_path)
    t = services.create_template(
        actor=org.quality,
        data={"code": "T-PH", "name": "现场检查"},
        items=[{"text": "消防设施", "critical": True}, {"text": "环境整洁"}],
    )
    return services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})


def url(insp: Any, item: Any) -> str:
    return f"/api/v1/inspections/{insp.number}/results/{item.pk}/photos"


def test_upload_list_and_download(org: Any, api_for: Any, inspection: Any) -> None:
    from sqms.audits.models import InspectionPhoto
    from sqms.core.models import AuditEntry

    item = inspection.template.items.order_by("order").first()
    m = api_for(org.manager_a)
    r = m.post(url(inspection, item), {"photos": [image("a.png"), image("b.jpg", "JPEG")]})
    assert r.status_code == 201, r.content
    out = r.json()
    assert [p["name"][-5:] for p in out] == ["a.png", "b.jpg"] and all(p["size"] > 0 for p in out)
    assert out[0]["item_id"] == item.pk and out[0]["uploaded_by"] == "manager_a"
    assert InspectionPhoto.objects.filter(result__item=item).count() == 2
    entry = AuditEntry.objects.filter(object_id=str(inspection.pk), verb__startswith="已添加照片").get()
    assert entry.actor_id == org.manager_a.pk and len(entry.changes["_photos"]) == 2
    listed = m.get(f"/api/v1/inspections/{inspection.number}/photos").json()
    assert [p["id"] for p in listed] == [p["id"] for p in out]
    got = m.get(out[0]["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"\x89PNG")
    # the inspection detail lists the photos of the item
    detail = m.get(f"/api/v1/inspections/{inspection.number}").json()
    assert len(detail["results"][0]["photos"]) == 2
    # another branch's manager: neither upload nor download (404, existence not leaked)
    other = api_for(org.manager_b)
    assert other.post(url(inspection, item), {"photos": [image()]}).status_code == 404
    assert other.get(out[0]["url"]).status_code == 404
    assert InspectionPhoto.objects.count() == 2


def test_bad_files_are_refused_and_nothing_saved(org: Any, api_for: Any, inspection: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import InspectionPhoto

    item = inspection.template.items.order_by("order").first()
    q = api_for(org.quality)
    fake = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>" * 10, content_type="image/png")
    r = q.post(url(inspection, item), {"photos": [image(), fake]})
    assert r.status_code == 422 and "photos" in r.json()["error"]["fields"]
    assert "evil.png" in r.json()["error"]["message"]
    gif = image("x.gif", "GIF")
    r = q.post(url(inspection, item), {"photos": [gif]})
    assert r.status_code == 422 and "photos" in r.json()["error"]["fields"]
    r = q.post(
        url(inspection, item), {"photos": [SimpleUploadedFile("e.png", b"", content_type="image/png")]}
    )
    assert r.status_code == 422
    assert InspectionPhoto.objects.count() == 0
    # size: over 10 MB is refused (limit lowered here so the test stays small)
    services.MAX_PHOTO_BYTES, old = 50, services.MAX_PHOTO_BYTES
    try:
        r = q.post(url(inspection, item), {"photos": [image(size=(64, 64))]})
    finally:
        services.MAX_PHOTO_BYTES = old
    assert r.status_code == 422 and "10 MB" in r.json()["error"]["message"]
    # count: at most 10 photos per item
    r = q.post(url(inspection, item), {"photos": [image(f"{i}.png") for i in range(11)]})
    assert r.status_code == 422 and InspectionPhoto.objects.count() == 0
    # unknown item, missing files
    r = q.post(f"/api/v1/inspections/{inspection.number}/results/999999/photos", {"photos": [image()]})
    assert r.status_code == 422 and "item" in r.json()["error"]["fields"]
    assert q.post(url(inspection, item), {}).status_code == 422
    # read-only token and frontline staff cannot upload
    assert api_for(org.quality, can_write=False).post(
        url(inspection, item), {"photos": [image()]}
    ).status_code in (
        401,
        403,
    )
    assert api_for(org.agent_a).post(url(inspection, item), {"photos": [image()]}).status_code in (403, 404)
    assert InspectionPhoto.objects.count() == 0


def test_closed_inspection_takes_no_photos(org: Any, api_for: Any, inspection: Any) -> None:
    from sqms.audits import services

    for it in inspection.template.items.all():
        services.record_result(actor=org.quality, inspection=inspection, item_id=it.pk, outcome="pass")
    services.complete_inspection(actor=fresh(org.quality), inspection=inspection)
    item = inspection.template.items.first()
    r = api_for(org.quality).post(url(inspection, item), {"photos": [image()]})
    assert r.status_code == 422 and "status" in r.json()["error"]["fields"]
