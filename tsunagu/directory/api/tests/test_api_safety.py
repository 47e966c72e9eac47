"""What the public API must never do: leak a confidential address, touch a session, set a cookie,
run a query per row, or serve an unlimited number of requests to one client."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tsunagu.accounts.tests.personas import World
from tsunagu.directory.api.tests.data import Directory
from tsunagu.directory.api.tests.schemas import validator
from tsunagu.directory.models import ChangeRecord, Location, ServiceAtLocation, Taxonomy, TaxonomyTerm
from tsunagu.directory.schedules import TOKYO, parse_schedule
from tsunagu.directory.services import PhoneData
from tsunagu.directory.tests.factories import make_location, make_service

pytestmark = pytest.mark.django_db

API = "/api/hsds"


def every_response(client: Client, directory: Directory) -> list[bytes]:
    """The body of every endpoint, in every form, for every record of the directory."""
    paths = [
        "/",
        "/openapi.json",
        "/services?per_page=100",
        "/services?per_page=100&full=true",
        "/services?per_page=1000&minimal=true",
        "/services?per_page=100&full=true&status=active,inactive,temporarily_closed,defunct",
        "/organizations?full=true",
        "/organizations?full_service=true",
        "/taxonomies",
        "/taxonomy_terms?per_page=100",
        "/service_at_locations?per_page=100",
        "/service_at_locations?per_page=100&full=true",
        "/service_at_locations?per_page=100&full=true&area=131130",
    ]
    for service in [*directory.listed, directory.defunct]:
        paths.append(f"/services/{service.code}")
    for organisation in (directory.helpline, directory.npo, directory.dv_npo):
        paths += [f"/organizations/{organisation.code}", f"/organizations/{organisation.code}?full_service=true"]
    for link in ServiceAtLocation.objects.all():
        paths.append(f"/service_at_locations/{link.code}")
    bodies = []
    for path in paths:
        response = client.get(f"{API}{path}")
        assert response.status_code == 200, path
        bodies.append(response.content)
    return bodies


def test_no_secret_of_a_confidential_location_reaches_any_response(client: Client, directory: Directory) -> None:
    # The secrets are really in the database (the encrypted address decrypts to the canary, the
    # shelter's name, description, phones and hours are stored), so only the API's own rules keep
    # them out. The old public address of the location made confidential is not even in the change
    # history any more: that was emptied when it became confidential (services.LOCATING_FIELDS).
    assert Location.objects.get(pk=directory.shelter.pk).confidential_address == directory.canaries[0]
    moved = Location.objects.get(name="旧相談室")
    history = ChangeRecord.objects.filter(resource_code=moved.code)
    assert history.filter(field_name="address_1").exists()
    assert not any(directory.canaries[-2] in f"{r.previous_value}{r.replacement_value}" for r in history)
    assert history.filter(field_name="history_redacted").exists()
    bodies = every_response(client, directory)
    text = "\n".join(body.decode() for body in bodies)
    assert str(directory.shelter.code) in text  # the location is there, as an id and a notice
    for secret in directory.canaries:
        assert secret not in text, secret
        assert secret.encode("unicode_escape").decode() not in text  # not even \\u-escaped


def test_a_staff_session_is_neither_used_nor_touched_and_no_cookie_is_set(world: World, directory: Directory) -> None:
    with time_machine.travel(dt.datetime(2026, 4, 1, 12, 0, tzinfo=TOKYO), tick=False) as clock:
        client = world.client("counsellor_a")
        key = client.cookies["sessionid"].value
        before = Session.objects.get(session_key=key).session_data
        clock.shift(120)  # long enough that any request through the session policy renews the session
        anonymous = Client().get(f"{API}/services?full=true").json()
        for path in ("/services?full=true", f"/services/{directory.ibasho.code}", "/organizations", "/nothing"):
            response = client.get(f"{API}{path}")
            assert not response.cookies, (path, response.cookies)
            assert "Set-Cookie" not in response
        assert client.get(f"{API}/services?full=true").json() == anonymous  # the same answer as anyone
        assert Session.objects.get(session_key=key).session_data == before
        # Control: a staff page at the same moment does renew it, so the comparison above can fail.
        assert client.get("/staff/dashboard/").status_code == 200
        assert Session.objects.get(session_key=key).session_data != before


def test_cors_allows_any_origin_without_credentials(client: Client, directory: Directory) -> None:
    for path, status in (("/services", 200), ("/services?page=0", 400), ("/services/x", 404)):
        response = client.get(f"{API}{path}", headers={"Origin": "https://example.org"})
        assert response.status_code == status
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response
    assert "Access-Control-Allow-Origin" not in client.get("/healthz")  # only the API is open


def test_rate_limit_per_client_with_retry_after(
    client: Client, directory: Directory, settings, django_assert_num_queries
) -> None:
    settings.TSUNAGU_API_RATE_LIMIT_PER_MINUTE = 3
    with time_machine.travel(dt.datetime(2026, 4, 1, 12, 0, 10, tzinfo=TOKYO), tick=False) as clock:
        for _ in range(3):
            assert client.get(f"{API}/services").status_code == 200
        with django_assert_num_queries(0):  # refused before any database work
            response = client.get(f"{API}/services/{directory.ibasho.code}")
        assert response.status_code == 429
        assert response["Retry-After"] == "50"
        assert response["Access-Control-Allow-Origin"] == "*"
        body = response.json()
        assert body["error"] == "too_many_requests" and body["message"]["ja"] and body["message"]["en"]
        # Another client is not held back by this one.
        assert client.get(f"{API}/", REMOTE_ADDR="203.0.113.9").status_code == 200
        # An IPv6 client counts per /64: a neighbouring address shares the allowance.
        for address in ("2001:db8::1", "2001:db8::2", "2001:db8::3"):
            assert client.get(f"{API}/", REMOTE_ADDR=address).status_code == 200
        assert client.get(f"{API}/", REMOTE_ADDR="2001:db8::ffff").status_code == 429
        assert client.get(f"{API}/", REMOTE_ADDR="2001:db8:0:1::1").status_code == 200
        # Staff pages are not limited by it.
        assert client.get("/healthz").status_code == 200
        clock.shift(50)
        assert client.get(f"{API}/services").status_code == 200


LISTS = [
    "/services?",
    "/services?full=true&",
    "/services?minimal=true&",
    "/services?area=131041&concern=loneliness-talk,mind-life&",
    "/organizations?",
    "/organizations?full=true&",
    "/organizations?full_service=true&",
    "/taxonomies?",
    "/taxonomy_terms?",
    "/service_at_locations?",
    "/service_at_locations?full=true&",
    "/service_at_locations?search=カフェ&full=true&",
]


def _more_of_everything(directory: Directory) -> None:
    """Services with locations, hours, phones and areas, in the directory's and in new organisations,
    and a taxonomy with nested terms."""
    taxonomy = Taxonomy.objects.create(key="extra", name="追加の分類", name_en="Extra")
    parent = TaxonomyTerm.objects.create(taxonomy=taxonomy, key="parent", name="親", name_en="Parent")
    for key in ("child-1", "child-2"):
        TaxonomyTerm.objects.create(taxonomy=taxonomy, key=key, name=key, name_en=key, parent=parent)
    for n in range(8):
        place = make_location(
            organisation=directory.npo,
            name=f"カフェ会場{n}",
            area_code="271276",
            phones=(PhoneData(f"06-0000-000{n}"),),
            hours=parse_schedule("毎月第1月曜日 10:00～12:00").to_json(),
        )
        make_service(
            name=f"ひだまりカフェ{n}",
            concerns=("loneliness-talk",),
            location_codes=(place.code,) if n % 2 else (),
            organisation=directory.npo if n % 2 else None,
            hours="月～金 9:00～17:00",
            phones=(PhoneData("0120-111-111"),),
            area_codes=("131041", "271276"),
        )


@pytest.mark.parametrize("path", LISTS)
def test_lists_run_a_fixed_number_of_queries(
    client: Client, directory: Directory, path: str, django_assert_num_queries
) -> None:
    with CaptureQueriesContext(connection) as before:
        first = client.get(f"{API}{path}per_page=100").json()
    _more_of_everything(directory)
    with django_assert_num_queries(len(before)):
        response = client.get(f"{API}{path}per_page=100")
    assert response.status_code == 200
    assert response.json()["size"] > first["size"]


def test_the_schema_check_really_checks_formats() -> None:
    service = validator("compiled/service.json")
    good = {"id": "0b0c6a4e-7c1b-4b8e-9d5e-1f2a3b4c5d6e", "name": "x", "status": "active"}
    assert service.is_valid(good)
    for bad in (
        {"id": "not-a-uuid"},
        {"last_modified": "yesterday"},
        {"url": "not a url"},
        {"email": "no-at-sign"},
        {"status": "closed"},
        {"minimum_age": None},
    ):
        assert not service.is_valid(good | bad), bad
