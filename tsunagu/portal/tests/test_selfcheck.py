"""孤独感セルフチェック: the survey's two measures, warm feedback, the doors, and nothing kept."""

from __future__ import annotations

import logging
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.portal.views.selfcheck import Answers, Level, answers_from, level_of

pytestmark = pytest.mark.django_db


def url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("portal:selfcheck")


def scale(total: int) -> dict[str, str]:
    """Three answers adding up to ``total`` (3–12), as evenly as possible."""
    base, extra = divmod(total, 3)
    values = [base + (1 if i < extra else 0) for i in range(3)]
    return dict(zip(("companionship", "left_out", "isolated"), map(str, values), strict=True))


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (3, Level.RARELY),
        (6, Level.RARELY),
        (7, Level.SOMETIMES),
        (9, Level.SOMETIMES),
        (10, Level.OFTEN),
        (12, Level.OFTEN),
    ],
)
def test_scale_totals_follow_the_survey_bands(total: int, level: Level) -> None:
    answers = answers_from(scale(total))
    assert answers.total == total
    assert level_of(answers) is level


@pytest.mark.parametrize(
    ("direct", "level"),
    [("1", Level.RARELY), ("2", Level.RARELY), ("3", Level.SOMETIMES), ("4", Level.SOMETIMES), ("5", Level.OFTEN)],
)
def test_direct_question_alone(direct: str, level: Level) -> None:
    answers = answers_from({"direct": direct})
    assert answers.total is None
    assert level_of(answers) is level
    assert answers.strong is (direct == "5")


def test_one_answer_at_the_top_counts_as_strong_whatever_the_total() -> None:
    answers = answers_from({"companionship": "4", "left_out": "1", "isolated": "1", "direct": "1"})
    assert answers.total == 6
    assert answers.strong
    assert level_of(answers) is Level.OFTEN


def test_the_higher_of_the_two_measures_decides() -> None:
    assert level_of(answers_from({"direct": "4", **scale(3)})) is Level.SOMETIMES
    assert level_of(answers_from({"direct": "1", **scale(9)})) is Level.SOMETIMES


def test_tampered_or_missing_answers_count_as_skipped() -> None:
    answers = answers_from({"direct": "9", "companionship": "0", "left_out": "２", "isolated": "-1"})
    assert answers == Answers(direct=None, scale={})
    assert answers.empty
    partial = answers_from({"companionship": "3", "left_out": "3"})
    assert partial.total is None
    assert level_of(partial) is Level.SOMETIMES


def _doors(page: str) -> list[str]:
    result = page.split('class="selfcheck-result', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li data-door="(\w+)">', result)


def test_the_page_asks_the_four_questions_and_says_nothing_is_kept() -> None:
    response = Client().get(url())
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<fieldset class="question">') == 4
    assert page.count('type="radio" name="direct"') == 5
    for name in ("companionship", "left_out", "isolated"):
        assert page.count(f'type="radio" name="{name}"') == 4
    assert "Nothing you choose here is stored or sent to anyone" in page
    assert 'method="post"' in page
    assert "csrfmiddlewaretoken" not in page


@pytest.mark.parametrize(
    ("data", "heading", "first_door"),
    [
        ({"direct": "1", **scale(3)}, "Thank you for taking a moment for yourself", "places"),
        ({"direct": "2", **scale(6)}, "Thank you for taking a moment for yourself", "places"),
        ({"direct": "3", **scale(7)}, "Many people feel this way sometimes", "places"),
        ({"direct": "4", **scale(9)}, "Many people feel this way sometimes", "places"),
        ({"direct": "2", **scale(10)}, "Thank you for answering honestly", "now"),
        ({"direct": "5", **scale(3)}, "Thank you for answering honestly", "now"),
        ({"direct": "5", **scale(12)}, "Thank you for answering honestly", "now"),
    ],
)
def test_feedback_is_warm_and_strong_feelings_get_the_talk_now_door_first(
    data: dict[str, str], heading: str, first_door: str
) -> None:
    response = Client().post(url(), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert heading in page
    doors = _doors(page)
    assert sorted(doors) == ["finder", "now", "places", "worried"]
    assert doors[0] == first_door
    with translation.override("en"):
        assert f'href="{reverse("portal:now")}"' in page
    lowered = page.lower()
    assert "you are lonely" not in lowered and "you are isolated" not in lowered
    # The answers are shown as chosen, so the person can change them and look again.
    assert f'name="direct" value="{data["direct"]}" checked' in page


def test_the_total_is_shown_only_when_all_three_were_answered() -> None:
    page = Client().post(url(), scale(8)).content.decode()
    assert "add up to 8, on a scale from 3 to 12" in page
    assert "not a diagnosis" in page
    page = Client().post(url(), {"direct": "3"}).content.decode()
    assert "add up to" not in page


def test_nothing_chosen_asks_gently_and_offers_a_way_out() -> None:
    response = Client().post(url(), {})
    assert response.status_code == 200
    page = response.content.decode()
    assert "You have not chosen any answer yet" in page
    assert "selfcheck-result" not in page
    with translation.override("en"):
        assert f'href="{reverse("portal:now")}"' in page


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_answering_stores_nothing_sets_no_cookie_and_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    before = _row_counts()
    with caplog.at_level(logging.DEBUG):
        for language in ("ja", "en", "ja-easy"):
            response = client.post(url(language), {"direct": "5", **scale(12)})
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers
            assert not response.cookies
            assert "no-store" in response["Cache-Control"]
    assert _row_counts() == before
    assert not client.cookies
    assert [r for r in caplog.records if r.name.startswith(("django.request", "tsunagu"))] == []


def test_only_get_and_post() -> None:
    assert Client().put(url()).status_code == 405
