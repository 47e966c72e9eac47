"""`seed_directory_demo`: a small realistic directory, created once, refused without its foundations."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tsunagu.accounts import demo as accounts_demo
from tsunagu.directory import demo, selectors
from tsunagu.directory.models import Location, Service
from tsunagu.directory.schedules import Schedule
from tsunagu.directory.tests.factories import make_areas

pytestmark = pytest.mark.django_db


def test_refuses_with_a_clear_message_when_areas_or_demo_organisations_are_missing():
    with pytest.raises(CommandError, match="load_areas"):
        call_command("seed_directory_demo")
    make_areas()
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_directory_demo")
    assert not Service.objects.exists()


def test_creates_the_demo_directory_once(settings):
    make_areas()
    accounts_demo.seed()
    out = StringIO()
    call_command("seed_directory_demo", stdout=out)
    total = len(demo.NATIONAL_LINES) + len(demo.LOCAL_SERVICES)
    assert out.getvalue().strip().splitlines() == [
        f"Demo directory: {total} services created, 0 already there (source 'demo')"
    ]
    services = Service.objects.all()
    assert services.count() == total and not services.exclude(source="demo").exists()
    yorisoi = Service.objects.get(source_id="yorisoi-hotline")
    assert yorisoi.is_crisis_line and yorisoi.is_24_hours
    assert yorisoi.phones.get().number == "0120-279-338"
    assert yorisoi.organisation.name == "一般社団法人 社会的包摂サポートセンター"
    shelter = Location.objects.get(source_id="shelter")
    assert shelter.is_confidential and shelter.confidential_address and not shelter.address_1
    assert shelter.organisation.name == "NPO法人 ひだまりの居場所（デモ）"
    salon = Service.objects.get(source_id="swc-salon")
    hours = Schedule.from_json(salon.schedules.get().hours)
    assert hours.rules[0].nth_weeks == (2, 4) and hours.rules[0].weekdays == (2,)
    due = list(selectors.needs_verification(today=timezone.localdate()))
    assert len(due) >= 4 and due[0].assured_date is None
    # A second run finds everything and changes nothing.
    out = StringIO()
    call_command("seed_directory_demo", stdout=out)
    assert f"0 services created, {total} already there" in out.getvalue()
    assert Service.objects.count() == total


def test_refused_outside_demo_mode(settings):
    settings.TSUNAGU_DEMO = False
    with pytest.raises(CommandError, match="refuses"):
        call_command("seed_directory_demo")
