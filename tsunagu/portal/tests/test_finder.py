"""The guided finder: four skippable questions as POST steps, then results ordered open now → 24-hour
national lines → other services, widening when nothing fits, and always ending at a human."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.portal.tests.finder_data import HOLIDAY_3AM, THURSDAY_10, Directory, make_directory

pytestmark = pytest.mark.django_db

FIND = "/find/"


@pytest.fixture
def directory() -> Directory:
    return make_directory()


def t(message: str, language: str = "ja") -> str:
    with translation.override(language):
        return translation.gettext(message)


def post(data: dict[str, object], *, path: str = FIND, status: int = 200) -> str:
    response = Client().post(path, data)
    assert response.status_code == status, response.content.decode()[:2000]
    assert "Set-Cookie" not in response.headers
    return response.content.decode()


def names_in_section(html: str, heading_id: str) -> list[str]:
    """Service names in the results section headed by ``heading_id``, in page order."""
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.S)
    if match is None:
        return []
    return re.findall(r'class="card-name"[^>]*><a href="[^"]+" lang="ja">([^<]+)</a>', match.group(0))


def answers(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"step": "channel", "action": "next"}
    data.update(overrides)
    return data


def test_the_first_step_asks_what_worries_you_with_every_concern_and_no_cookie(directory):
    response = Client().get(FIND)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert t("What is worrying you?") in html
    assert 'value="mind-life"' in html and 'value="care"' in html
    assert '<form method="post" action="/find/"' in html
    assert "csrfmiddlewaretoken" not in html


def test_each_step_carries_the_earlier_answers_in_hidden_fields_and_never_in_the_url(directory):
    html = post({"step": "concerns", "action": "next", "concerns": ["mind-life", "living-money"]})
    assert t("Who is it for?") in html
    assert '<input type="hidden" name="concerns" value="mind-life">' in html
    assert '<input type="hidden" name="concerns" value="living-money">' in html
    assert 'action="/find/"' in html and "?" not in re.search(r'action="([^"]*)"', html).group(1)
    html = post({"step": "whom", "action": "next", "concerns": ["mind-life"], "for_whom": "family"})
    assert t("Where do you live?") in html
    assert '<input type="hidden" name="for_whom" value="family">' in html
    html = post({"step": "where", "action": "next", "concerns": ["mind-life"], "for_whom": "family", "where": "鳥取市"})
    assert t("How would you like to reach someone?") in html
    assert '<input type="hidden" name="area" value="312011">' in html
    assert '<input type="hidden" name="where" value="鳥取市">' in html


@pytest.mark.parametrize("typed", ["〒680-0000", "6800000", "６８０－００００", "680-8571", "鳥取市", "鳥取県鳥取市"])
def test_the_place_is_a_postal_code_written_any_way_or_a_town(directory, typed):
    html = post({"step": "where", "action": "next", "where": typed})
    assert t("How would you like to reach someone?") in html
    assert '<input type="hidden" name="area" value="312011">' in html


def test_an_unknown_postal_code_asks_again_with_a_clear_message_in_japanese_and_english(directory):
    html = post({"step": "where", "action": "next", "where": "999-9999"}, status=400)
    assert t("Where do you live?") in html
    assert "〒999-9999" in html and 'role="alert"' in html and 'aria-invalid="true"' in html
    assert 'value="999-9999"' in html  # what they typed stays, to be corrected
    english = post({"step": "where", "action": "next", "where": "999-9999"}, path="/en/find/", status=400)
    assert "We could not find the postal code 〒999-9999" in english
    unknown = post({"step": "where", "action": "next", "where": "どこでもない町"}, status=400)
    assert 'role="alert"' in unknown


@pytest.mark.parametrize("step", ["concerns", "whom", "where", "channel"])
def test_every_question_can_be_skipped_and_skipping_forgets_its_answer(directory, step):
    data = {
        "step": step,
        "action": "skip",
        "concerns": ["mind-life"],
        "for_whom": "self",
        "where": "鳥取市",
        "area": "312011",
        "channels": ["phone"],
    }
    html = post(data)
    field = {"concerns": "concerns", "whom": "for_whom", "where": "area", "channel": "channels"}[step]
    assert f'name="{field}"' not in html
    assert 'name="for_whom"' in html or step == "whom"


def test_back_returns_to_the_previous_question_with_its_answer_ticked(directory):
    html = post({"step": "where", "action": "back", "concerns": ["care"], "for_whom": "friend", "where": "鳥取市"})
    assert t("Who is it for?") in html
    assert re.search(r'value="friend" checked', html)
    assert '<input type="hidden" name="where" value="鳥取市">' in html
    first = post({"step": "whom", "action": "back", "concerns": ["care"]})
    assert re.search(r'value="care" checked', first)


def test_tampered_answers_are_dropped_not_a_server_error(directory):
    html = post(answers(concerns=["no-such-concern", "<script>"], for_whom="stranger", area="31201x", channels=["fax"]))
    assert t("Places that can help") in html
    assert "<script>" not in html


@time_machine.travel(THURSDAY_10, tick=False)
def test_results_open_now_first_then_24_hour_lines_then_other_local_services(directory):
    html = post(answers(concerns=["mind-life", "living-money", "loneliness-talk"], where="680-0000", area="312011"))
    open_now = names_in_section(html, "open-heading")
    lines = names_in_section(html, "lines-heading")
    later = names_in_section(html, "later-heading")
    # Open now: the town's own service before the prefecture's before the national one open now.
    assert open_now == [directory.local_open.name, directory.prefecture.name, directory.evening_line.name]
    assert lines == [directory.line_24h.name]
    # Not open now (the salon meets on Wednesdays, the chat from 17:00): local before national.
    assert later == [directory.local_salon.name, directory.chat.name]
    assert directory.shinjuku.name not in html  # another town's service
    assert html.index("open-heading") < html.index("lines-heading") < html.index("later-heading")


@time_machine.travel(THURSDAY_10, tick=False)
def test_a_card_says_what_they_help_with_how_to_reach_them_today_cost_and_languages(directory):
    html = post(answers(concerns=["mind-life"], area="312011"))
    card = re.search(
        rf'<article class="card card-open" aria-labelledby="card-{directory.local_open.code}".*?</article>',
        html,
        re.S,
    )
    assert card is not None
    text = card.group(0)
    assert t("Open now") in text
    assert "9:00–17:00" in text
    assert '<a class="tel" href="tel:0857001111">0857-00-1111</a>' in text
    assert "こころ・いのち" in text and "生活・お金" in text
    assert t("Free") in text
    assert t("Japanese") in text or "日本語" in text
    assert f'name="services" value="{directory.local_open.code}"' in text


@time_machine.travel(THURSDAY_10, tick=False)
def test_the_way_to_reach_them_is_dropped_first_when_nothing_matches_and_the_page_says_so(directory):
    html = post(answers(concerns=["care"], area="312011", where="鳥取市", channels=["line"]))
    assert directory.care.name in html
    assert (
        t("We found nothing that you can reach the way you chose, so we show services you can reach in other ways too.")
        in html
    )


@time_machine.travel(THURSDAY_10, tick=False)
def test_then_the_place_is_dropped(directory):
    # 新宿区 has no care service: the search widens to the whole country and says so.
    html = post(answers(concerns=["care"], area="131041", where="新宿区"))
    assert directory.care.name in html
    assert "新宿区" in html
    notice = t(
        "We found nothing in %(place)s for these answers, so we also show services elsewhere and for the whole country."
    )
    assert notice % {"place": "新宿区"} in html


@time_machine.travel(HOLIDAY_3AM, tick=False)
def test_nothing_fits_still_ends_at_a_24_hour_line(directory):
    # No service at all helps with disasters: the page says so and lists the 24-hour lines.
    html = post(answers(concerns=["disaster"], area="312011", channels=["visit"]))
    assert (
        t("We found no service for these answers. You can still talk to someone: the lines below answer at any hour.")
        in html
    )
    lines = names_in_section(html, "lines-heading")
    assert lines and lines[0] in (directory.line_24h.name, directory.dv_line.name)
    assert 'href="tel:0120000001"' in html
    assert t("Nothing here fits?") in html


@time_machine.travel(HOLIDAY_3AM, tick=False)
def test_at_3_am_on_a_holiday_only_the_24_hour_services_are_open(directory):
    html = post(answers(concerns=["mind-life", "violence"], area="312011"))
    # The town's 24-hour shelter before the national night chat (open 17:00 to 5:00).
    assert names_in_section(html, "open-heading") == [directory.shelter.name, directory.chat.name]
    assert set(names_in_section(html, "lines-heading")) == {directory.line_24h.name, directory.dv_line.name}
    later = names_in_section(html, "later-heading")
    assert later[0] == directory.local_open.name and directory.evening_line.name in later


@time_machine.travel(HOLIDAY_3AM, tick=False)
def test_skipping_every_question_shows_what_is_open_now_not_the_whole_directory(directory):
    html = post(answers(action="skip"))
    assert directory.line_24h.name in html
    assert directory.local_salon.name not in html
    assert directory.defunct.name not in html and directory.inactive.name not in html


@time_machine.travel(THURSDAY_10, tick=False)
def test_for_family_or_a_friend_the_results_point_to_the_worried_page(directory):
    html = post(answers(concerns=["mind-life"], for_whom="friend"))
    assert reverse("portal:worried") in html
    mine = post(answers(concerns=["mind-life"], for_whom="self"))
    assert f'href="{reverse("portal:worried")}"' not in mine.split("<main")[1].split("</main>")[0]


def test_results_in_english_use_the_english_names_of_concerns(directory):
    html = post(answers(concerns=["mind-life"]), path="/en/find/")
    assert "Mental health and suicidal feelings" in html
    assert 'action="/en/print/"' in html
