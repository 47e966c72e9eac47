"""The print list: services ticked on a results page, on A4 paper; codes only in the POST body; a
confidential location shows no address; always a 24-hour line and 110/119 at the end."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tsunagu.portal.tests.finder_data import Directory, make_directory

pytestmark = pytest.mark.django_db

PRINT = "/print/"


@pytest.fixture
def directory() -> Directory:
    return make_directory()


def t(message: str, language: str = "ja") -> str:
    with translation.override(language):
        return translation.gettext(message)


def printed(codes: list[object]) -> str:
    response = Client().post(PRINT, {"services": [str(code) for code in codes]})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    return response.content.decode()


def test_the_chosen_services_are_listed_in_order_with_phones_hours_and_address(directory):
    html = printed([directory.local_open.code, directory.line_24h.code])
    assert "print.css" in html
    entries = re.findall(r'<li class="print-entry">\s*<h2 lang="ja">([^<]+)</h2>', html)
    assert entries == [directory.local_open.name, directory.line_24h.name]
    assert "0857-00-1111" in html and "月～金 9:00～17:00" in html
    assert "〒680-8571" in html and "鳥取市幸町71" in html
    # The 24-hour lines and 110/119 end the sheet; a line already chosen is not repeated.
    lines = html.split('id="print-lines-heading"')[1]
    assert directory.dv_line.name in lines and directory.line_24h.name not in lines
    assert "110" in lines and "119" in lines


def test_a_confidential_address_never_reaches_the_paper(directory):
    html = printed([directory.shelter.code])
    assert directory.secret not in html
    assert directory.shelter.name in html and "0857-00-3333" in html
    assert t("Not public (contact them by phone)") in html


def test_services_not_public_and_bad_codes_are_left_out(directory):
    html = printed([directory.defunct.code, uuid.uuid4(), "not-a-code", directory.care.code])
    entries = re.findall(r'<li class="print-entry">\s*<h2 lang="ja">([^<]+)</h2>', html)
    assert entries == [directory.care.name]


def test_without_a_choice_the_page_explains_how_to_make_a_list(directory):
    response = Client().get(PRINT)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    html = response.content.decode()
    assert 'class="print-entry"' not in html
    assert "/find/" in html


def test_the_print_style_sheet_prints_on_a4_without_the_banner(directory):
    from django.contrib.staticfiles import finders

    path = finders.find("portal/print.css")
    css = open(path, encoding="utf-8").read()  # noqa: SIM115
    assert "@page{size:A4" in css
    assert "body>:not(main)" in css


def test_the_list_runs_the_same_queries_for_one_service_or_several(directory):
    printed([directory.local_open.code])  # warm the crisis lines' cache
    with CaptureQueriesContext(connection) as one:
        printed([directory.local_open.code])
    with CaptureQueriesContext(connection) as three:
        printed([directory.local_open.code, directory.line_24h.code, directory.dv_line.code])
    assert len(three) == len(one)


def test_hours_kept_only_on_a_place_are_printed_with_its_address_in_the_reader_language(directory):
    from tsunagu.directory.tests.factories import OrganisationFactory, make_location, make_service

    organisation = OrganisationFactory(name="居場所の会（テスト）")
    place = make_location(
        organisation=organisation, name="ひだまり", area_code="312011", address_1="栄町1", hours="火・木 10:00～15:00"
    )
    cafe = make_service(organisation=organisation, name="ひだまりカフェ", hours="", location_codes=(place.code,))
    html = printed([cafe.code])
    assert t("See the address below.") in html
    address = html.split("栄町1", 1)[1].split("</dd>", 1)[0]
    assert "火・木 10:00～15:00" in address
    response = Client().post("/zh-hans" + PRINT, {"services": [str(cafe.code)]})
    assert "周二、周四 10:00–15:00" in response.content.decode()
