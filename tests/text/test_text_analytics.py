"""Keywords, topics, word frequency, emerging words week over week, and scoping by org unit."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from sqms.core.errors import NotFound, ValidationFailed
from sqms.text import domain, selectors, services
from sqms.text.models import TextRecord


def _texts(unit: Any, texts: list[str], days_ago: int, source: str = "ticket", start_id: int = 1) -> None:
    from django.utils import timezone

    now = timezone.now()
    TextRecord.objects.bulk_create(
        TextRecord(
            source=source,
            source_id=start_id + i,
            org_unit=unit,
            at=now - timedelta(days=days_ago, hours=1),
            kind="complaint",
            text=t,
            sentiment=0.0,
            polarity="neutral",
            method="lexicon",
        )
        for i, t in enumerate(texts)
    )


def test_emerging_terms_rule() -> None:
    this = Counter({"停电": 6, "排队": 4, "电费": 3, "发票": 2})
    last = Counter({"停电": 2, "排队": 3, "发票": 0})
    got = domain.emerging_terms(this, last, min_count=3, min_growth=1.0)
    assert [(e.term, e.this_week, e.last_week, e.growth) for e in got] == [
        ("电费", 3, 0, None),  # new
        ("停电", 6, 2, 2.0),  # tripled
    ]  # 排队 grew by a third only; 发票 below the minimum count


def test_emerging_by_week_and_scoped(org: Any) -> None:
    _texts(org.team_a, ["小区停电好几次"] * 5 + ["营业厅排队太久"] * 2, days_ago=1)
    _texts(org.team_a, ["小区停电一次"] + ["营业厅排队太久"] * 2, days_ago=9, start_id=100)
    _texts(org.team_b, ["发票开错了"] * 6, days_ago=2, start_id=200)
    got = selectors.emerging(org.quality, selectors.Filters(), min_count=3)
    words = {t["word"]: t for t in got["terms"]}
    assert (
        words["停电"]["this_week"] == 5 and words["停电"]["last_week"] == 1 and words["停电"]["growth"] == 4.0
    )
    assert "排队" not in words and words["发票"]["growth"] is None
    # a manager of branch A does not see branch B's texts
    mine = selectors.emerging(org.manager_a, selectors.Filters(), min_count=3)
    assert "发票" not in {t["word"] for t in mine["terms"]}


def test_word_frequency_keywords_topics(org: Any) -> None:
    _texts(
        org.team_a, ["小区频繁停电，停电没有通知"] * 4 + ["电费账单偏高"] * 3 + ["营业厅排队时间长"] * 3, 3
    )
    _texts(org.team_b, ["发票开错了要重开"] * 5, 3, start_id=50)
    f = selectors.Filters()
    freq = selectors.word_frequency(org.quality, f)
    assert freq[0] == {"word": "停电", "count": 8}
    assert {"word": "发票", "count": 5} in freq
    scoped = selectors.word_frequency(org.manager_a, f)
    assert "发票" not in {w["word"] for w in scoped}
    unit = selectors.word_frequency(org.quality, selectors.Filters(unit="BB"))
    assert {w["word"] for w in unit} >= {"发票"} and "停电" not in {w["word"] for w in unit}
    kw = selectors.keywords(org.quality, selectors.Filters(unit="BA"), top=5)
    assert "停电" in [k["word"] for k in kw]
    tr = selectors.keywords(org.quality, selectors.Filters(unit="BA"), top=5, method="textrank")
    assert tr and all(k["weight"] > 0 for k in tr)
    topics = selectors.topics(org.quality, f, n_topics=3)
    assert topics["n_docs"] == 15 and len(topics["topics"]) == 3
    assert sum(t["n_docs"] for t in topics["topics"]) == 15
    leads = {t["words"][0] for t in topics["topics"]}
    assert len(leads) == 3  # three distinct themes


def test_filters_and_scope_errors(org: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        selectors.Filters.parse({"start": "2026-13-01"})
    assert "start" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        selectors.Filters.parse({"start": "2026-05-02", "end": "2026-05-01"})
    assert "end" in exc.value.fields
    with pytest.raises(NotFound):
        selectors.texts(org.manager_a, selectors.Filters(unit="BB"))
    with pytest.raises(ValidationFailed):
        selectors.keywords(org.quality, selectors.Filters(), method="lda")


def test_period_filter(org: Any) -> None:
    from django.utils import timezone

    _texts(org.team_a, ["停电"] * 2, days_ago=40)
    _texts(org.team_a, ["排队"] * 3, days_ago=2, start_id=10)
    today = timezone.localdate()
    f = selectors.Filters(start=today - timedelta(days=7), end=today)
    assert selectors.sentiment_summary(org.quality, f)["n"] == 3
    assert services.get_settings().pk == 1
