"""Segmentation: the organisation's dictionary changes how texts are cut (in our tokenizer only), stop words
(shipped and added) leave the content words."""

from __future__ import annotations

from typing import Any

import pytest

from sqms.core.errors import ValidationFailed
from sqms.text import segment, services


def test_domain_term_keeps_a_word_together_and_only_in_our_tokenizer(org: Any) -> None:
    import jieba

    text = "峰谷电价调整后电费偏高"
    seg = segment.current(fresh=True)
    assert "峰谷电价" not in seg.cut(text)
    services.add_term(actor=org.quality, word="峰谷电价", weight=5000, pos="n")
    segment.invalidate()
    assert "峰谷电价" in segment.cut(text)
    assert "峰谷电价" not in jieba.lcut(text)  # jieba's global tokenizer is untouched
    pos = {p.word: p.flag for p in segment.current().pos_tokenizer.cut(text)}
    assert pos["峰谷电价"] == "n"  # the term's part of speech (used by TextRank keywords)
    # archiving the term restores the default cut
    from sqms.core.services import archive_record
    from sqms.text.models import Term

    archive_record(Term.objects.get(word="峰谷电价"), actor=org.quality)
    segment.invalidate()
    assert "峰谷电价" not in segment.cut(text)
    assert "峰谷电价" not in segment.current().pos_tokenizer.word_tag_tab


def test_stop_words_shipped_and_added(org: Any) -> None:
    segment.invalidate()
    text = "我们的电表走字太快了，师傅"
    toks = segment.tokens(text)
    assert "我们" not in toks and "的" not in toks and "，" not in toks  # shipped stop words, punctuation
    assert "电表" in toks and "师傅" in toks
    services.add_stop_word(actor=org.quality, word="师傅")
    segment.invalidate()
    assert "师傅" not in segment.tokens(text)
    assert "师傅" in segment.cut(text)  # still a token, only filtered from the content words


def test_bad_words_are_refused_naming_the_field(org: Any) -> None:
    services.add_term(actor=org.quality, word="抢修班")
    for bad in ("", "两 个", "抢修班"):
        with pytest.raises(ValidationFailed) as exc:
            services.add_term(actor=org.quality, word=bad)
        assert "word" in exc.value.fields
    from sqms.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.add_term(actor=org.agent_a, word="新词")
