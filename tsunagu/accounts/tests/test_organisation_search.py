"""Organisation searches find other spellings of the name (tsunagu.core.text)."""

from __future__ import annotations

import pytest

from tsunagu.accounts.selectors import organisation_list
from tsunagu.accounts.tests.factories import OrganisationFactory


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
