"""Numbers of thousands of digits on the public forms: answered like any bad value, never a 500
(issue 15, finding 2). Python refuses to convert more than 4,300 digits to an integer."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.portal.tests.finder_data import Directory, make_directory
from tsunagu.portal.tests.test_search import names, search

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000


@pytest.fixture
def directory() -> Directory:
    return make_directory()


@pytest.mark.parametrize("page", [HUGE, "99999999999999999999", "1" + "0" * 4299])
def test_a_page_number_of_any_size_shows_the_first_page(directory, page):
    html = search({"q": "介護", "page": page})  # was a 500 for 5,000 digits
    assert directory.care.name in names(html)


@pytest.mark.parametrize("direct", [HUGE, "0" * 5000 + "3", "99999999999999999999"])
def test_the_self_check_counts_a_number_of_any_size_as_skipped_or_read_as_written(direct):
    with translation.override("en"):
        url = reverse("portal:selfcheck")
    response = Client().post(url, {"direct": direct})  # was a 500 for 5,000 digits
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    page = response.content.decode()
    # Leading zeros are only zeros: "000…3" is the answer 3; anything else out of range is skipped.
    assert ('name="direct" value="3" checked' in page) == direct.endswith("3")
