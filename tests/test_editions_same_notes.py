"""The English and the Chinese editions carry the same notes (issue #18, finding 2).

Notes were once muted by their English words, so the Chinese edition kept notes the
English one dropped, and the first screen's "no loss-making accounts" was said without
costs, where loss-makers cannot be known. Here both editions of one branch are built on
the sample and on the sample without its cost table, and compared block by block.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

import kamlib
from kamlib.document import Text, build_report

BRANCH = "Suzhou"


@pytest.fixture(scope="module")
def sample() -> kamlib.Book:
    return kamlib.load(kamlib.sample_path())


def _shape(report) -> dict[str, Counter]:
    """Per part of the report, how many blocks of each kind it has (the same in every
    language when the editions carry the same content)."""
    parts = {"first_screen": report.first_screen}
    parts.update({s.key: s.blocks for s in report.sections})
    return {
        key: Counter(b.kind if isinstance(b, Text) else type(b).__name__ for b in blocks)
        for key, blocks in parts.items()
    }


def _texts(report) -> list[str]:
    out = [b.text for b in report.first_screen if isinstance(b, Text)]
    for s in report.sections:
        out += s.sentences
    return out


@pytest.mark.parametrize("costs", [True, False], ids=["sample", "no_costs"])
def test_editions_have_the_same_notes(sample, costs):
    book = sample if costs else dataclasses.replace(sample, costs=None)
    en = build_report(book, BRANCH, lang="en")
    zh = build_report(book, BRANCH, lang="zh")
    assert _shape(en) == _shape(zh)
    assert len(en.first_screen) == len(zh.first_screen)
    if not costs:
        # loss-makers cannot be known without costs: no edition says there are none
        for text in _texts(en):
            assert "No account loses money" not in text
            assert "No loss-making accounts" not in text
        for text in _texts(zh):
            assert "没有亏损客户" not in text
        # the first screen says why profit and margin are missing, in both editions
        first_en = [b.text for b in en.first_screen if isinstance(b, Text)]
        first_zh = [b.text for b in zh.first_screen if isinstance(b, Text)]
        assert "The data hold no costs: profit and margin cannot be shown." in first_en
        assert "数据中没有成本：无法显示利润和利润率。" in first_zh
