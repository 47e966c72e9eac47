"""A service's public page: how to reach it, hours in words and the next opening, where it is (never a
confidential address), freshness and source; anything not public is a 404 in the portal's frame."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from tsunagu.portal.tests.finder_data import HOLIDAY_3AM, THURSDAY_10, Directory, make_directory

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory() -> Directory:
    return make_directory()


def t(message: str, language: str = "ja") -> str:
    with translation.override(language):
        return translation.gettext(message)


def page(code: object, *, status: int = 200, prefix: str = "") -> str:
    response = Client().get(f"{prefix}/services/{code}/")
    assert response.status_code == status
    assert "Set-Cookie" not in response.headers
    return response.content.decode()


@time_machine.travel(THURSDAY_10, tick=False)
def test_the_page_shows_contacts_hours_access_fees_and_source(directory):
    html = page(directory.local_open.code)
    assert '<h1 id="service-name" lang="ja">とっとり こころとくらしの相談</h1>' in html
    assert '<a class="tel" href="tel:0857001111">0857-00-1111</a>' in html
    assert "月～金 9:00～17:00" in html and "祝日・年末年始休み" in html
    assert t("Open now") in html
    assert "〒680-8571" in html and "鳥取市幸町71" in html
    assert "鳥取駅から徒歩15分" in html and "段差のない入口" in html
    assert "鳥取市オープンデータ（テスト）" in html and 'href="https://example.org/opendata"' in html
    assert t("Free") in html
    assert t("Not checked yet: please confirm with them.") in html


@time_machine.travel(HOLIDAY_3AM, tick=False)
def test_when_closed_the_page_says_when_it_opens_next(directory):
    html = page(directory.local_open.code)
    assert t("Closed now") in html
    # Closed on the holiday Monday: it opens on Tuesday 24 November at 9:00.
    assert 'datetime="2026-11-24T09:00:00+09:00"' in html


def test_a_confidential_location_shows_no_address_name_or_note(directory):
    html = page(directory.shelter.code)
    assert directory.secret not in html
    assert (
        t("The address is not public, to keep the people who use this service safe. Please contact them by phone.")
        in html
    )
    assert '<a class="tel" href="tel:0857003333">' in html
    english = page(directory.shelter.code, prefix="/en")
    assert directory.secret not in english


@pytest.mark.parametrize("which", ["defunct", "inactive", "unknown"])
def test_services_the_public_may_not_see_are_a_404_in_the_portal_frame_with_the_lines(directory, which):
    code = uuid.uuid4() if which == "unknown" else getattr(directory, which).code
    html = page(code, status=404)
    assert t("This service is not listed") in html
    assert directory.line_24h.name in html
    assert 'class="quick-exit"' in html  # the portal's frame
    if which != "unknown":
        assert getattr(directory, which).name not in html


def test_a_temporarily_closed_service_is_shown_with_its_notice(directory):
    from tsunagu.directory.tests.factories import make_service

    closed = make_service(name="改装中のテスト窓口", status="temporarily closed", alert="3月まで休止しています。")
    html = page(closed.code)
    assert t("Temporarily closed") in html and "3月まで休止しています。" in html


def test_the_english_page_has_english_hours_and_labels(directory):
    html = page(directory.local_open.code, prefix="/en")
    assert "Mon–Fri: 9:00–17:00" in html
    assert "How to reach them" in html


@pytest.mark.parametrize(
    ("prefix", "words"),
    [("/zh-hans", "周一至周五 9:00–17:00"), ("/ko", "월~금 9:00~17:00"), ("/vi", "Thứ 2–Thứ 6: 9:00–17:00"),
     ("/pt-br", "Seg a sex: 9:00–17:00")],
)  # fmt: skip
def test_hours_in_words_are_in_the_page_language(directory, prefix, words):
    html = page(directory.local_open.code, prefix=prefix)
    assert words in html
    assert "月～金 9:00～17:00" not in html  # the Japanese words are not shown instead


@time_machine.travel(THURSDAY_10, tick=False)
def test_hours_kept_only_on_a_place_are_shown_with_that_place(directory):
    from tsunagu.directory.tests.factories import OrganisationFactory, make_location, make_service

    organisation = OrganisationFactory(name="居場所の会（テスト）")
    place = make_location(
        organisation=organisation, name="コミュニティカフェ ひだまり", area_code="312011", hours="火・木 10:00～15:00"
    )
    cafe = make_service(organisation=organisation, name="ひだまりカフェ", hours="", location_codes=(place.code,))
    html = page(cafe.code)
    assert t("See the hours of each place below.") in html
    assert t("Opening hours here") in html and "火・木 10:00～15:00" in html
    assert t("Open now") in html  # Thursday 10:00, from the place's hours
    english = page(cafe.code, prefix="/en")
    assert "Tue and Thu: 10:00–15:00" in english and "Opening hours here" in english


@time_machine.travel(HOLIDAY_3AM, tick=False)
def test_when_only_a_place_has_hours_it_still_says_when_the_service_opens_next(directory):
    from tsunagu.directory.tests.factories import OrganisationFactory, make_location, make_service

    organisation = OrganisationFactory(name="居場所の会（テスト）")
    place = make_location(organisation=organisation, name="ひだまり", area_code="312011", hours="火・木 10:00～15:00")
    cafe = make_service(organisation=organisation, name="ひだまりカフェ", hours="", location_codes=(place.code,))
    html = page(cafe.code)
    assert t("Closed now") in html
    assert 'datetime="2026-11-24T10:00:00+09:00"' in html
