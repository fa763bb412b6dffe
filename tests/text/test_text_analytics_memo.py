"""The analytics page cuts each text once per process: the memoised tokens give exactly what the segmenter
gives (and follow a dictionary change), the TF-IDF keywords equal jieba.analyse's extract_tags on the
joined texts (the oracle), and the page carries its chart data as JSON with no inline script."""

from __future__ import annotations

import re
from typing import Any

import jieba.analyse
import pytest

from sqms.text import segment, selectors, services

pytestmark = pytest.mark.django_db

DOCS = [
    "营业厅排队等了四十分钟，只有一个窗口开着。",
    "电费账单多收了，客服态度冷漠，推诿扯皮！",
    "昨天小区计划停电，没有提前通知，冰箱里的东西都坏了",
    "营业厅排队等了四十分钟，只有一个窗口开着。",  # a repeated text
    "app缴费失败 3次, 扣款却成功了 100元",
    "",
]


def test_memo_equals_the_segmenter_and_follows_the_dictionary(org: Any) -> None:
    seg = segment.current(fresh=True)
    expected = [seg.cut(t) for t in DOCS]
    assert selectors.cut_all(DOCS) == expected
    assert selectors.cut_all(DOCS) == expected  # from the memo
    assert selectors._doc_tokens(DOCS) == [seg.tokens(t, min_len=2) for t in DOCS]
    assert "营业厅排队" not in selectors.cut_all(DOCS)[0]
    services.add_term(actor=org.quality, word="营业厅排队", weight=200000)
    seg = segment.current(fresh=True)
    again = selectors.cut_all(DOCS)
    assert again == [seg.cut(t) for t in DOCS] and "营业厅排队" in again[0]


@pytest.mark.parametrize("top", [5, 20])
def test_tfidf_keywords_equal_jieba_extract_tags(org: Any, top: int) -> None:
    ex = selectors._extractor("tfidf")
    mine = selectors._tfidf_tags(ex, DOCS, top)
    oracle = jieba.analyse.TFIDF()
    seg = segment.current()
    oracle.tokenizer = seg.tokenizer
    oracle.stop_words = set(seg.stop_words)
    theirs = oracle.extract_tags("\n".join(DOCS), topK=top, withWeight=True)
    assert [w for w, _s in mine] == [w for w, _s in theirs]
    assert [s for _w, s in mine] == pytest.approx([s for _w, s in theirs], abs=1e-12)


def test_page_has_json_data_and_no_inline_script(org: Any, client_for: Any, labelled: Any) -> None:
    labelled(10)
    services.analyse_texts(full=True)
    r = client_for(org.quality).get("/text/analytics/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="word-frequency-data" type="application/json"' in html
    assert "text/analytics.js" in html
    inline = [m for m in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if m[1].strip()]
    assert all("application/json" in attrs for attrs, _body in inline), inline


def test_page_report_is_reused_until_texts_change(org: Any, client_for: Any, labelled: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sqms.text import views
    from sqms.text.models import TextRecord

    views._reports.clear()
    labelled(10)
    services.analyse_texts(full=True)
    client = client_for(org.quality)
    first = client.get("/text/analytics/")
    with CaptureQueriesContext(connection) as again:
        second = client.get("/text/analytics/")
    assert second.context["report"] == first.context["report"]
    assert not any("text_textrecord" in q["sql"] and "ORDER BY" in q["sql"] for q in again.captured_queries)
    n = first.context["report"]["sentiment"]["n"]
    rec = TextRecord.objects.order_by("id").first()
    rec.pk = None
    rec.source_id = 10**9
    rec.save()
    third = client.get("/text/analytics/")
    assert third.context["report"]["sentiment"]["n"] == n + 1
