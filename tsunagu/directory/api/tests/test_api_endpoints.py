"""Every endpoint answers what the official HSDS 3.0 schemas describe, with our Japan profile inside."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine
from django.test import Client

from tsunagu.directory.api.tests.data import Directory, build_directory
from tsunagu.directory.api.tests.schemas import assert_valid, assert_valid_page, assert_valid_root
from tsunagu.directory.hsds import CONFIDENTIAL_LOCATION_NAME
from tsunagu.directory.models import Taxonomy, TaxonomyTerm
from tsunagu.directory.schedules import TOKYO

pytestmark = pytest.mark.django_db

Json = dict[str, Any]

API = "/api/hsds"


def get(client: Client, path: str, **params: object) -> Json:
    response = client.get(f"{API}{path}", params)
    assert response.status_code == 200, (path, response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json"
    data: Json = response.json()
    return data


def ids(page: Json) -> list[str]:
    return [item["id"] for item in page["contents"]]


def test_root_names_the_version_profile_and_openapi_document(client: Client) -> None:
    data = get(client, "/")
    assert_valid_root(data)
    assert data["version"] == "3.0"
    assert data["openapi_url"] == "http://testserver/api/hsds/openapi.json"
    assert data["profile"].startswith(data["openapi_url"] + "#/")
    document = client.get(data["openapi_url"]).json()
    assert "x-tsunagu-profile" in document  # the profile URL points into it


def test_services_list_validates_and_leaves_out_defunct_services(client: Client, directory: Directory) -> None:
    page = get(client, "/services", per_page=100)
    assert_valid_page(page, "compiled/service_list.json")
    assert set(ids(page)) == {str(s.code) for s in directory.listed}
    assert str(directory.defunct.code) not in ids(page)
    statuses = {item["id"]: item["status"] for item in page["contents"]}
    assert statuses[str(directory.closed.code)] == "temporarily closed"
    assert page["contents"][0]["organization"]["id"]  # the list form nests the organisation


def test_services_list_full_and_minimal_forms(client: Client, directory: Directory) -> None:
    full = get(client, "/services", full="true", per_page=100)
    for item in full["contents"]:
        assert_valid("compiled/service.json", item)
    assert all("service_at_locations" in item for item in full["contents"])
    minimal = get(client, "/services", minimal="true", per_page=1000)
    assert_valid_page(minimal, "compiled/service_list.json")
    assert set(minimal["contents"][0]) == {"id", "name", "status", "last_modified"}


def test_service_detail_is_fully_nested_with_the_japan_profile(client: Client, directory: Directory) -> None:
    data = get(client, f"/services/{directory.ibasho.code}")
    assert_valid("compiled/service.json", data)
    location = data["service_at_locations"][0]["location"]
    address = location["addresses"][0]
    assert address | {"id": "x"} == {
        "id": "x",
        "location_id": str(directory.ibasho_place.code),
        "address_1": "新宿一丁目2-3",
        "address_2": "ひだまりビル2階",
        "city": "新宿区",
        "state_province": "東京都",
        "postal_code": "160-0022",
        "country": "JP",
        "address_type": "physical",
        "local_government_code": "131041",
    }
    assert (location["latitude"], location["longitude"]) == (35.688, 139.71)
    assert location["accessibility"][0]["description"] == "車いすで入れます"
    # 第2・第4木曜日 → a monthly rule on the 2nd and 4th Thursday, with the Japanese text kept.
    (schedule,) = location["schedules"]
    assert (schedule["freq"], schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "MONTHLY",
        "2TH,4TH",
        "14:00",
        "16:00",
    )
    assert schedule["description"] == "毎月第2・第4木曜日 14:00～16:00"
    assert [a["uri"] for a in data["service_areas"]] == ["urn:jisx0402:131041", "urn:jisx0402:131130"]
    assert {a["link_type"] for a in data["attributes"]} == {"concern", "people_served", "resource_kind", "channel"}
    assert data["cost_options"][0]["option"] == "無料と有料のものがあります"
    metadata = {m["field_name"]: m for m in data["metadata"]}
    assert metadata["name"]["replacement_value"] == "ひだまりカフェ"
    assert metadata["name"]["updated_by"] == "test"  # the actor's label (an organisation or an import)
    assert location["metadata"], "a public location shows its change history"


def test_national_crisis_line(client: Client, directory: Directory) -> None:
    data = get(client, f"/services/{directory.crisis_line.code}")
    assert_valid("compiled/service.json", data)
    assert [a["name"] for a in data["service_areas"]] == ["全国"]
    assert "local_government_code" not in data["service_areas"][0]
    (schedule,) = data["schedules"]
    assert (schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "MO,TU,WE,TH,FR,SA,SU",
        "00:00",
        "23:59",
    )
    assert [p["number"] for p in data["phones"]] == ["0120-000-111", "03-1111-2222"]
    assert data["phones"][1]["extension"] == 12
    assert {lang["code"]: lang["name"] for lang in data["languages"]} == {
        "ja": "日本語",
        "en": "English",
        "vi": "Tiếng Việt",
    }
    assert data["contacts"][0]["department"] == "相談事業部"
    assert data["cost_options"][0] | {"id": "x"} == {
        "id": "x",
        "service_id": str(directory.crisis_line.code),
        "option": "無料",
        "currency": "JPY",
        "amount": 0,
        "attributes": [],
    }
    assert data["source_attribution"] == "全国こころの電話ネット 相談窓口一覧 (CC BY 4.0)"
    assert data["minimum_age"] == 10


def test_unparsed_hours_are_one_schedule_with_only_the_text(client: Client, directory: Directory) -> None:
    data = get(client, f"/services/{directory.irregular.code}")
    (schedule,) = data["schedules"]
    assert schedule["description"] == "不定期（お問い合わせください）"
    assert not {"freq", "byday", "opens_at", "closes_at"} & set(schedule)


def test_a_defunct_service_is_still_found_by_id_and_says_so(client: Client, directory: Directory) -> None:
    data = get(client, f"/services/{directory.defunct.code}")
    assert_valid("compiled/service.json", data)
    assert data["status"] == "defunct"


def test_confidential_location_is_only_an_id_and_a_notice(client: Client, directory: Directory) -> None:
    data = get(client, f"/services/{directory.shelter_service.code}")
    assert_valid("compiled/service.json", data)
    locations = [sal["location"] for sal in data["service_at_locations"]]
    assert len(locations) == 2
    for location in locations:
        assert location["name"] == CONFIDENTIAL_LOCATION_NAME
        for key in ("addresses", "phones", "schedules", "accessibility", "metadata"):
            assert location[key] == [], key
        for key in ("latitude", "longitude", "transportation", "alternate_name", "external_identifier"):
            assert key not in location


def test_organizations(client: Client, directory: Directory) -> None:
    page = get(client, "/organizations")
    assert_valid_page(page, "compiled/organization_list.json")
    # Only organisations that provide a listed service; the personas' other organisations are not in it.
    assert set(ids(page)) == {str(directory.helpline.code), str(directory.npo.code), str(directory.dv_npo.code)}
    detail = get(client, f"/organizations/{directory.npo.code}")
    assert_valid("compiled/organization.json", detail)
    assert {s["id"] for s in detail["services"]} == {
        str(s.code) for s in (directory.ibasho, directory.irregular, directory.closed)
    }
    assert "service_at_locations" not in detail["services"][0]
    assert [loc["name"] for loc in detail["locations"]] == ["ひだまりハウス"]
    full = get(client, f"/organizations/{directory.dv_npo.code}", full_service="true")
    assert_valid("compiled/organization.json", full)
    assert full["services"][0]["service_at_locations"]
    assert {loc["name"] for loc in full["locations"]} == {CONFIDENTIAL_LOCATION_NAME}
    helpline = get(client, f"/organizations/{directory.helpline.code}")
    assert helpline["phones"][0]["number"] == "03-0000-0000"
    assert helpline["website"] == "https://kokoro.example.jp/"
    assert_valid_page(get(client, "/organizations", full="true"), "compiled/organization.json")
    assert ids(get(client, "/organizations", search="ひだまり")) == [str(directory.npo.code)]


def test_taxonomies_and_terms(client: Client, directory: Directory) -> None:
    page = get(client, "/taxonomies")
    assert_valid_page(page, "taxonomy.json")
    assert {t["name"] for t in page["contents"]} == {"相談内容", "対象者", "種類", "相談・利用の方法"}
    concern = Taxonomy.objects.get(key="concern")
    assert_valid("taxonomy.json", get(client, f"/taxonomies/{concern.code}"))
    terms = get(client, "/taxonomy_terms", taxonomy_id=str(concern.code), per_page=100)
    assert_valid_page(terms, "taxonomy_term.json")
    assert terms["total_items"] == TaxonomyTerm.objects.filter(taxonomy=concern).count()
    assert terms["contents"][0]["code"] == "mind-life"  # the vocabulary's own order
    term = TaxonomyTerm.objects.get(taxonomy=concern, key="hikikomori")
    detail = get(client, f"/taxonomy_terms/{term.code}")
    assert_valid("taxonomy_term.json", detail)
    assert (detail["name"], detail["taxonomy_id"]) == ("ひきこもり", str(concern.code))
    assert ids(get(client, "/taxonomy_terms", search="ひきこもり", taxonomy_id=str(concern.code))) == [str(term.code)]
    assert get(client, "/taxonomy_terms", top_only="true")["total_items"] == TaxonomyTerm.objects.count()


def test_services_at_locations(client: Client, directory: Directory) -> None:
    page = get(client, "/service_at_locations")
    assert_valid_page(page, "compiled/service_at_location_list.json")
    assert page["total_items"] == 3  # the ibasho's place and the shelter service's two places
    names = {item["location"]["name"] for item in page["contents"]}
    assert names == {"ひだまりハウス", CONFIDENTIAL_LOCATION_NAME}
    full = get(client, "/service_at_locations", full="true")
    assert_valid_page(full, "compiled/service_at_location.json")
    link = directory.ibasho.service_at_locations.get()
    detail = get(client, f"/service_at_locations/{link.code}")
    assert_valid("compiled/service_at_location.json", detail)
    assert detail["service"]["id"] == str(directory.ibasho.code)
    assert detail["location"]["addresses"][0]["city"] == "新宿区"
    filtered = get(client, "/service_at_locations", organization_id=str(directory.dv_npo.code))
    assert filtered["total_items"] == 2


def test_paging(client: Client, directory: Directory) -> None:
    first = get(client, "/services", per_page=2)
    assert (first["total_items"], first["total_pages"], first["page_number"], first["size"]) == (5, 3, 1, 2)
    assert (first["first_page"], first["last_page"], first["empty"]) == (True, False, False)
    seen = ids(first)
    for number in (2, 3):
        page = get(client, "/services", per_page=2, page=number)
        assert page["page_number"] == number and page["first_page"] is False
        seen += ids(page)
    assert page["last_page"] is True and page["size"] == 1
    assert sorted(seen) == sorted(str(s.code) for s in directory.listed)  # every service exactly once


def test_a_page_past_the_end_is_empty_and_keeps_the_total(client: Client, directory: Directory) -> None:
    beyond = get(client, "/services", per_page=2, page=9)
    assert (beyond["size"], beyond["empty"], beyond["last_page"], beyond["total_items"]) == (0, True, True, 5)
    assert "total_items_is_lower_bound" not in beyond


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # 新宿区: the national line, the Tokyo-wide service and those for 新宿区 itself.
        ({"area": "131041"}, {"crisis_line", "shelter_service", "ibasho", "closed"}),
        ({"area": "312011"}, {"crisis_line", "irregular"}),
        ({"crisis_line": "true"}, {"crisis_line"}),
        ({"is_24_hours": "true"}, {"crisis_line"}),
        ({"free": "true"}, {"crisis_line"}),
        ({"concern": "violence"}, {"shelter_service"}),
        ({"channel": "outreach,visit"}, {"ibasho", "irregular"}),
        ({"language": "vi"}, {"crisis_line"}),
        ({"status": "defunct"}, {"defunct"}),
        ({"status": "temporarily_closed,defunct"}, {"closed", "defunct"}),
        ({"search": "カフェ"}, {"ibasho"}),
        ({"search": "ひだまり"}, {"ibasho", "irregular", "closed"}),  # the organisation's name counts too
    ],
)
def test_service_filters(client: Client, directory: Directory, params: Json, expected: set[str]) -> None:
    page = get(client, "/services", per_page=100, **params)
    assert set(ids(page)) == {str(getattr(directory, name).code) for name in expected}


def test_hsds_id_filters(client: Client, directory: Directory) -> None:
    term = TaxonomyTerm.objects.get(taxonomy__key="concern", key="hikikomori")
    assert ids(get(client, "/services", taxonomy_term_id=str(term.code))) == [str(directory.irregular.code)]
    assert set(ids(get(client, "/services", organization_id=str(directory.npo.code)))) == {
        str(s.code) for s in (directory.ibasho, directory.irregular, directory.closed)
    }
    later = get(client, "/services", modified_after="2999-01-01")
    assert later["total_items"] == 0 and later["empty"] is True
    assert get(client, "/services", modified_after="2000-01-01T00:00:00+09:00")["total_items"] == 5


def test_taxonomy_id_means_any_term_of_it_and_still_narrows(client: Client, directory: Directory) -> None:
    kinds = Taxonomy.objects.get(key="resource_kind")
    assert get(client, "/services", taxonomy_id=str(kinds.code))["total_items"] == 5  # every service has a kind
    concern = Taxonomy.objects.get(key="concern")
    hikikomori = TaxonomyTerm.objects.get(taxonomy=concern, key="hikikomori")
    anyone = TaxonomyTerm.objects.get(taxonomy__key="people_served", key="anyone")
    both = {"taxonomy_id": str(concern.code), "taxonomy_term_id": str(hikikomori.code)}
    assert ids(get(client, "/services", **both)) == [str(directory.irregular.code)]
    # Both must hold: with "any of" semantics the DV service (which serves dv-victims, not anyone,
    # but has a concern) would come back too.
    crisis = get(client, "/services", taxonomy_id=str(concern.code), taxonomy_term_id=str(anyone.code))
    assert set(ids(crisis)) == {str(s.code) for s in directory.listed if s != directory.shelter_service}
    extra = Taxonomy.objects.create(key="extra", name="追加", name_en="Extra")
    TaxonomyTerm.objects.create(taxonomy=extra, key="x", name="x", name_en="x")
    assert get(client, "/services", taxonomy_id=str(extra.code))["total_items"] == 0
    assert get(client, "/services", taxonomy_id=str(extra.code), taxonomy_term_id=str(anyone.code))["empty"]
    response = client.get(f"{API}/services", {"taxonomy_id": str(uuid.uuid4())})
    assert response.status_code == 400 and response.json()["parameter"] == "taxonomy_id"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 4, 8, 10, 0, tzinfo=TOKYO), {"crisis_line", "ibasho"}),  # a Wednesday morning
        (dt.datetime(2026, 4, 8, 20, 0, tzinfo=TOKYO), {"crisis_line"}),
        (dt.datetime(2026, 4, 29, 10, 0, tzinfo=TOKYO), {"crisis_line"}),  # 昭和の日, closed on holidays
    ],
)
def test_open_now_in_japan_time(client: Client, db: None, moment: dt.datetime, expected: set[str]) -> None:
    with time_machine.travel(moment, tick=False):
        directory = build_directory()
        page = get(client, "/services", open_now="true")
    assert set(ids(page)) == {str(getattr(directory, name).code) for name in expected}


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/services", {"per_page": "0"}, "per_page"),
        ("/services", {"per_page": "101"}, "per_page"),
        ("/services", {"page": "-1"}, "page"),
        ("/services", {"page": "x"}, "page"),
        ("/services", {"taxonomy_term_id": "not-a-uuid"}, "taxonomy_term_id"),
        ("/services", {"organization_id": "1"}, "organization_id"),
        ("/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/services", {"modified_after": "9999-12-31T23:59:59-09:00"}, "modified_after"),  # overflows in UTC
        ("/services", {"area": "131040"}, "area"),  # wrong check digit
        ("/services", {"area": "999999"}, "area"),
        ("/services", {"concern": "no-such-term"}, "concern"),
        ("/services", {"open_now": "maybe"}, "open_now"),
        ("/services", {"status": "closed"}, "status"),
        ("/services", {"format": "ndjson"}, "format"),
        ("/services", {"search": "あ" * 201}, "search"),
        ("/services", {"minimal": "true", "full": "true"}, "minimal"),
        ("/services", {"postcode": "1600022"}, "postcode"),  # in HSDS, not supported here
        ("/services", {"pgae": "2"}, "pgae"),
        ("/organizations", {"per_page": "1000"}, "per_page"),
        ("/taxonomy_terms", {"taxonomy_id": "x"}, "taxonomy_id"),
        ("/service_at_locations", {"proximity": "1000"}, "proximity"),
        ("/", {"page": "1"}, "page"),
    ],
)
def test_bad_parameters_get_a_400_in_both_languages(client: Client, path: str, params: Json, parameter: str) -> None:
    response = client.get(f"{API}{path}", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "bad_parameter" and body["parameter"] == parameter
    assert body["message"]["ja"] and body["message"]["en"]
    assert body["message"]["ja"] != body["message"]["en"]


def test_a_repeated_parameter_is_refused(client: Client) -> None:
    response = client.get(f"{API}/services?page=1&page=2")
    assert response.status_code == 400
    assert response.json()["parameter"] == "page"


@pytest.mark.parametrize("path", ["services", "organizations", "taxonomies", "taxonomy_terms", "service_at_locations"])
def test_unknown_and_malformed_ids_are_json_404s(client: Client, directory: Directory, path: str) -> None:
    for identifier in (uuid.uuid4(), "not-a-uuid", "../../etc/passwd"):
        response = client.get(f"{API}/{path}/{identifier}")
        assert response.status_code == 404, (path, identifier)
        assert response.json()["error"] == "not_found"


def test_an_organisation_without_listed_services_is_not_published(client: Client, directory: Directory) -> None:
    from tsunagu.accounts.tests.factories import OrganisationFactory

    internal = OrganisationFactory(name="監査担当課")
    assert client.get(f"{API}/organizations/{internal.code}").status_code == 404


def test_unknown_paths_under_the_api_are_json_404s(client: Client) -> None:
    for path in ("/nothing", "/services/", "/services/x/y"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_only_get_and_head(client: Client, directory: Directory, method: str) -> None:
    response = getattr(client, method)(f"{API}/services")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_from_a_csrf_checking_client_is_a_json_405_not_a_csrf_page(directory: Directory, method: str) -> None:
    client = Client(enforce_csrf_checks=True)
    for path in ("/services", f"/services/{directory.ibasho.code}", "/nothing"):
        response = getattr(client, method)(f"{API}{path}", data="{}", content_type="application/json")
        assert response.status_code == 405, path
        assert response["Content-Type"] == "application/json"
        assert response["Allow"] == "GET, HEAD"
        assert response.json()["error"] == "method_not_allowed"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert not response.cookies


def test_head_answers_like_get_without_a_body(client: Client, directory: Directory) -> None:
    response = client.head(f"{API}/services/{directory.ibasho.code}")
    assert response.status_code == 200
    assert response.content == b""
