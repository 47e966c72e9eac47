"""Page numbers of thousands of digits on the HSDS API and the staff directory list: a 400 with a
message (API) or the first page (staff list), never a 500 (issue 15, finding 2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.directory.api.tests.data import Directory, build_directory
from tsunagu.directory.tests.factories import make_service

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000  # Python refuses to convert more than 4,300 digits


@pytest.fixture
def directory() -> Directory:
    return build_directory()


@pytest.mark.parametrize(
    "path", ["/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"]
)
@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("value", [HUGE, "99999999999999999999", "0" * 5000])
def test_the_api_refuses_a_page_number_of_any_size_with_a_400_in_both_languages(directory, path, name, value):
    response = Client().get(f"/api/hsds{path}", {name: value})  # was a 500 for 5,000 digits
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.content.decode()
    assert f"{name} must be a whole number from 1 to" in body and "の整数で指定してください" in body


def test_the_api_still_reads_leading_zeros_as_the_number(directory):
    response = Client().get("/api/hsds/services", {"page": "0" * 4000 + "1", "per_page": "002"})
    assert response.status_code == 200
    assert (response.json()["page_number"], response.json()["size"]) == (1, 2)


@pytest.mark.parametrize("page", [HUGE, "99999999999999999999", "-1", "x"])
def test_the_staff_list_shows_the_first_page_for_a_page_number_of_any_size(world, page):
    service = make_service(organisation=world.organisations["A"], name="ひだまり相談室")
    response = world.client("counsellor_a").get(reverse("directory:service_list"), {"page": page})
    assert response.status_code == 200  # was a 500 for 5,000 digits
    assert service.name in response.content.decode()
