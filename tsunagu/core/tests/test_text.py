from __future__ import annotations

import pytest

from tsunagu.accounts.selectors import organisation_list
from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.core.text import spellings


def test_spellings_cover_width_and_kana():
    found = spellings(" ＮＰＯ ")
    assert "NPO" in found and "ＮＰＯ" in found
    assert set(spellings("ヒキコモリ")) >= {"ヒキコモリ", "ひきこもり"}
    assert spellings("   ") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored", "kana", "typed"),
    [
        ("ＮＰＯ法人つなぐ", "", "NPO"),
        ("NPO法人つなぐ", "", "ＮＰＯ"),
        ("ひだまり会", "ひだまりかい", "ヒダマリ"),
        ("陽だまり会", "ヒダマリカイ", "ひだまり"),
    ],
)
def test_organisation_search_finds_other_spellings(stored, kana, typed):
    wanted = OrganisationFactory(name=stored, name_kana=kana)
    OrganisationFactory(name="ほかの団体", name_kana="ほかのだんたい")
    assert [o.pk for o in organisation_list(query=typed)] == [wanted.pk]
