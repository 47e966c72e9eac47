"""The public search: POST only (words never in URLs or logs), the directory's filters, paging by POST
buttons, one- and two-character words, and a way to a 24-hour line when nothing matches."""

from __future__ import annotations

import logging
import re

import pytest
import time_machine
from django.test import Client

from tsunagu.portal.tests.finder_data import THURSDAY_10, Directory, line, make_directory

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


@pytest.fixture
def directory() -> Directory:
    return make_directory()


def search(data: dict[str, object], *, status: int = 200) -> str:
    response = Client().post(SEARCH, data)
    assert response.status_code == status
    assert "Set-Cookie" not in response.headers
    return response.content.decode()


def names(html: str) -> list[str]:
    return re.findall(r'class="card-name"[^>]*><a href="[^"]+" lang="ja">([^<]+)</a>', html)


def test_the_search_page_is_a_post_form_without_a_csrf_token(directory):
    response = Client().get(SEARCH)
    html = response.content.decode()
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert re.search(r'<form method="post" action="/search/"', html)
    assert "csrfmiddlewaretoken" not in html


@pytest.mark.parametrize(("word", "wanted"), [("介護", "care"), ("DV", "dv_line")])
def test_words_of_one_or_two_characters_find_services(directory, word, wanted):
    assert getattr(directory, wanted).name in names(search({"q": word}))


def test_search_words_never_reach_the_logs(directory, caplog):
    with caplog.at_level(logging.DEBUG):
        search({"q": "とても個人的なことば"})
    assert "とても個人的なことば" not in caplog.text


@time_machine.travel(THURSDAY_10, tick=False)
def test_filters_area_concern_open_now_and_24_hours(directory):
    found = names(search({"where": "680-0000", "concern": ["living-money"]}))
    assert found[:2] == [directory.local_open.name, directory.prefecture.name]
    assert directory.line_24h.name in found and directory.shinjuku.name not in found
    only_24 = names(search({"where": "鳥取市", "is_24_hours": "on"}))
    assert set(only_24) == {directory.line_24h.name, directory.dv_line.name, directory.shelter.name}
    closed_salon = names(search({"concern": ["loneliness-talk"], "open_now": "on"}))
    assert directory.local_salon.name not in closed_salon and directory.evening_line.name in closed_salon
    by_chat = names(search({"channel": ["line"]}))
    assert by_chat == [directory.chat.name]


def test_an_unknown_place_is_a_message_not_an_error(directory):
    html = search({"q": "相談", "where": "999-9999"}, status=400)
    assert 'role="alert"' in html and "〒999-9999" in html


def test_paging_is_by_post_buttons_that_carry_the_search(directory):
    for n in range(22):
        line(f"テスト回線{n:02d}", f"0120-100-{n:03d}", concerns=("other",))
    first = search({"concern": ["other"]})
    assert len(names(first)) == 20
    pager = re.search(r'<form method="post" action="/search/" class="pager">.*?</form>', first, re.S).group(0)
    assert '<input type="hidden" name="concern" value="other">' in pager
    assert '<button type="submit" name="page" value="2"' in pager
    second = search({"concern": ["other"], "page": "2"})
    assert len(names(second)) == 23 - 20  # the 22 test lines and よりそいテストライン help with "other"
    assert set(names(first)).isdisjoint(names(second))


def test_nothing_found_ends_at_the_24_hour_lines(directory):
    html = search({"q": "存在しないことばです"})
    assert directory.line_24h.name in html and 'href="tel:0120000001"' in html


def test_hidden_statuses_are_never_found(directory):
    found = names(search({"q": "テスト窓口"}))
    assert directory.defunct.name not in found and directory.inactive.name not in found


def test_a_bad_page_number_or_choice_is_ignored(directory):
    html = search({"q": "介護", "page": "-3", "concern": ["nope"], "language": "xx"})
    assert directory.care.name in names(html)
