"""API and pages of text analytics: train (201 with metrics, 400 naming the field, 403), classify, ticket
suggestion, analytics endpoints scoped by unit, dictionary endpoints, and the two back-office pages."""

from __future__ import annotations

import json
from typing import Any

from sqms.text.models import TextRecord, TrainedModel


def _post(client: Any, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def test_train_and_classify_over_the_api(org: Any, api_for: Any, labelled: Any) -> None:
    quality = api_for(org.quality)
    r = _post(quality, "/api/v1/text/classifier/train", {})
    assert r.status_code == 422
    body = r.json()["error"]
    assert "classes" in body["fields"] and not TrainedModel.objects.exists()
    assert _post(api_for(org.manager_a), "/api/v1/text/classifier/train", {}).status_code == 403
    labelled(30)
    r = _post(quality, "/api/v1/text/classifier/train", {"features": "words_chars"})
    assert r.status_code == 201, r.content
    m = r.json()
    assert m["version"] == 1 and m["n_test"] == 30 and 0.8 <= m["accuracy"] <= 1
    assert {lab["code"] for lab in m["labels"]} == {"CAT-WAIT", "CAT-BILLING", "CAT-OUTAGE", "CAT-ATTITUDE"}
    assert all({"precision", "recall", "f1", "support"} <= set(lab) for lab in m["labels"])
    r = _post(quality, "/api/v1/text/classifier/train", {"algorithm": "forest"})
    assert r.status_code == 422 and "algorithm" in r.json()["error"]["fields"]
    listed = api_for(org.manager_a).get("/api/v1/text/models?task=category").json()
    assert [x["version"] for x in listed["items"]] == [1]
    c = _post(api_for(org.agent_a), "/api/v1/text/classify", {"text": "停电跳闸，线路没电"})
    assert c.status_code == 200 and c.json()["category"] == "CAT-OUTAGE" and c.json()["model_version"] == 1
    empty = _post(quality, "/api/v1/text/classify", {"text": " "})
    assert empty.status_code == 422 and list(empty.json()["error"]["fields"]) == ["text"]


def test_ticket_suggestion_endpoint_is_scoped(org: Any, api_for: Any, labelled: Any, settings: Any) -> None:
    from sqms.feedback.services import create_ticket
    from sqms.text import services

    labelled(30)
    services.train_classifier(actor=org.quality)
    settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE = 0.0
    t, _c = create_ticket(
        actor=org.agent_b,
        data={"kind": "complaint", "title": "跳闸没电", "description": "线路跳闸", "org_unit": org.team_b},
    )
    r = api_for(org.manager_b).get(f"/api/v1/text/tickets/{t.number}/suggestion")
    assert r.status_code == 200 and r.json()["category"] == "CAT-OUTAGE" and r.json()["applied"] is True
    assert api_for(org.manager_a).get(f"/api/v1/text/tickets/{t.number}/suggestion").status_code == 404


def test_analytics_endpoints_scoped(org: Any, api_for: Any, labelled: Any) -> None:
    from sqms.text import services

    labelled(4, unit=org.team_a, codes=["CAT-OUTAGE"])
    labelled(4, unit=org.team_b, codes=["CAT-BILLING"])
    quality, manager_a = api_for(org.quality), api_for(org.manager_a)
    r = _post(quality, "/api/v1/text/analyse", {"full": True})
    assert r.status_code == 200 and r.json()["ticket"] == 8
    assert _post(manager_a, "/api/v1/text/analyse", {}).status_code == 403
    all_words = {w["word"] for w in quality.get("/api/v1/text/word-frequency?top=100").json()}
    mine = {w["word"] for w in manager_a.get("/api/v1/text/word-frequency?top=100").json()}
    assert mine < all_words and not mine & {"电费", "账单", "发票", "缴费"}
    assert manager_a.get("/api/v1/text/texts").json()["count"] == 4
    assert manager_a.get("/api/v1/text/texts?unit=BB").status_code == 404
    bad = manager_a.get("/api/v1/text/keywords?start=yesterday")
    assert bad.status_code == 422 and "start" in bad.json()["error"]["fields"]
    assert quality.get("/api/v1/text/keywords?method=textrank").status_code == 200
    assert quality.get("/api/v1/text/keywords?top=0").json()["error"]["fields"].keys() == {"top"}
    t = quality.get("/api/v1/text/topics?n=2").json()
    assert t["n_docs"] == 8 and len(t["topics"]) == 2
    assert quality.get("/api/v1/text/topics?n=99").status_code == 422
    e = quality.get("/api/v1/text/emerging?min_count=1").json()
    assert set(e) == {"this_week", "last_week", "terms"}
    s = manager_a.get("/api/v1/text/sentiment").json()
    assert s["n"] == 4 and s["positive"] + s["neutral"] + s["negative"] == 4
    assert api_for(org.agent_a).get("/api/v1/text/sentiment").status_code == 403
    assert services.get_settings().min_per_class == 8


def test_dictionary_endpoints_and_settings(org: Any, api_for: Any) -> None:
    quality = api_for(org.quality)
    r = _post(quality, "/api/v1/text/terms", {"word": "峰谷电价", "weight": 5000, "pos": "n"})
    assert r.status_code == 201
    assert _post(quality, "/api/v1/text/terms", {"word": "峰谷电价"}).json()["error"]["fields"].keys() == {
        "word"
    }
    seg = _post(quality, "/api/v1/text/segment", {"text": "峰谷电价怎么算"}).json()
    assert "峰谷电价" in seg["tokens"]
    assert _post(quality, "/api/v1/text/stop-words", {"word": "怎么算"}).status_code == 201
    assert [w["word"] for w in quality.get("/api/v1/text/stop-words").json()["items"]] == ["怎么算"]
    assert _post(api_for(org.manager_a), "/api/v1/text/terms", {"word": "新词"}).status_code == 403
    s = quality.get("/api/v1/text/settings").json()
    assert s["threshold"] == 0.6 and s["features"] == "words"
    r = quality.patch(
        "/api/v1/text/settings", json.dumps({"test_size": 0.9}), content_type="application/json"
    )
    assert r.status_code == 422 and "test_size" in r.json()["error"]["fields"]
    r = quality.patch(
        "/api/v1/text/settings", json.dumps({"algorithm": "svm"}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["algorithm"] == "svm"
    from sqms.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="update", changes__algorithm__isnull=False).exists()


def test_pages(org: Any, client_for: Any, labelled: Any) -> None:
    from sqms.text import services

    labelled(12)
    services.analyse_texts()
    quality = client_for(org.quality)
    page = quality.get("/text/analytics/")
    assert (
        page.status_code == 200
        and b"word-frequency" in page.content
        and b"unfold/js/chart/chart.js" in page.content
    )
    assert quality.get("/text/analytics/?start=bad").status_code == 200  # error shown, not a crash
    r = quality.post("/text/classifier/", {"action": "train"})
    assert r.status_code == 302 and TrainedModel.objects.filter(active=True).count() == 1
    page = quality.get("/text/classifier/")
    assert page.status_code == 200 and b'id="metrics"' in page.content
    r = quality.post("/text/classifier/", {"action": "try", "text": "停电跳闸"})
    assert r.status_code == 200 and b'id="trial"' in r.content
    manager = client_for(org.manager_a)
    assert manager.get("/text/analytics/").status_code == 200
    manager.post("/text/classifier/", {"action": "train"})
    assert TrainedModel.objects.count() == 1  # a unit manager may look but not train
    assert client_for(org.agent_a).get("/text/analytics/").status_code == 403
    assert TextRecord.objects.count() == 48
