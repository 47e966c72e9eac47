from __future__ import annotations

from tsunagu.core.text import spellings


def test_spellings_cover_width_and_kana():
    found = spellings(" ＮＰＯ ")
    assert "NPO" in found and "ＮＰＯ" in found
    assert set(spellings("ヒキコモリ")) >= {"ヒキコモリ", "ひきこもり"}
    assert spellings("   ") == []
