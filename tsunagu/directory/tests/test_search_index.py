"""The search index follows every write, never holds a confidential address, and rebuilds cleanly."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.core.tests.canary import canary
from tsunagu.directory.models import Location, Service, ServiceStatus
from tsunagu.directory.schedules import TOKYO
from tsunagu.directory.search import hours, index
from tsunagu.directory.search import tokens as tk
from tsunagu.directory.search.selectors import SearchFilters, services_search
from tsunagu.directory.search.text import index_tokens
from tsunagu.directory.services import LocationData, location_save, service_save, service_set_status
from tsunagu.directory.tests.factories import ACTOR, make_areas, make_location, make_service, replace, service_data

pytestmark = pytest.mark.django_db

ALL_STATUSES = tuple(ServiceStatus.values)


def names(text: str = "", **filters: object) -> list[str]:
    result = services_search(text=text, filters=SearchFilters(**filters), per_page=100)  # type: ignore[arg-type]
    return [service.name for service in result.services]


def stored_tokens(service: Service) -> set[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tokens || hours FROM directory_search_doc WHERE service_id = %s", [service.pk])
            return set(cursor.fetchone()[0])
        cursor.execute("SELECT tokens FROM directory_search_words WHERE service_id = %s", [service.pk])
        return set(index._unpack(cursor.fetchone()[0]))


def index_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM directory_search_doc")
        return int(cursor.fetchone()[0])


def test_the_migration_made_the_index_for_this_database():
    tables = set(connection.introspection.table_names())
    assert index.DOC_TABLE in tables
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'intarray'")
            assert cursor.fetchone() is not None
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'directory_search_doc_tokens'")
            assert "gin__int_ops" in cursor.fetchone()[0]
        else:
            assert index.WORDS_TABLE in tables
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [index.FTS_TABLE])
            definition = cursor.fetchone()[0]
            assert "fts5" in definition and "detail=none" in definition and "content=''" in definition


def test_a_new_service_is_found_at_once_and_an_edit_replaces_its_words():
    organisation = OrganisationFactory(name="つながる会")
    service = make_service(organisation=organisation, name="ひだまりサロン", description="毎週の茶話会です。")
    assert names("ひだまり") == ["ひだまりサロン"]
    assert names("茶話会") == ["ひだまりサロン"]
    assert names("つながる会") == ["ひだまりサロン"]  # the organisation's name
    data = service_data(name="こもれびサロン", description="月に一度の読書会です。")
    service_save(actor=ACTOR, organisation=organisation, data=data, service=service)
    assert names("ひだまり") == []
    assert names("茶話会") == []
    assert names("こもれび") == ["こもれびサロン"]
    assert names("読書会") == ["こもれびサロン"]
    assert index_rows() == 1


def test_taxonomy_term_names_are_searchable_in_both_languages():
    make_service(name="窓口A", description="", concerns=("hikikomori",), people_served=("carers",))
    assert names("ひきこもり") == ["窓口A"]
    assert names("ケアラー") == ["窓口A"]
    assert names("withdrawal") == ["窓口A"]
    assert names("Carers") == ["窓口A"]


def test_a_status_change_moves_the_service_out_of_the_default_search():
    service = make_service(name="休止中の窓口")
    assert names("休止中") == ["休止中の窓口"]
    service_set_status(actor=ACTOR, service=service, status=ServiceStatus.INACTIVE)
    assert names("休止中") == []
    assert names("休止中", statuses=("inactive",)) == ["休止中の窓口"]
    assert names("休止中", statuses=ALL_STATUSES) == ["休止中の窓口"]
    service_set_status(actor=ACTOR, service=service, status=ServiceStatus.TEMPORARILY_CLOSED)
    assert names("休止中") == ["休止中の窓口"]  # residents still see temporarily closed services


def test_a_location_change_reindexes_the_services_delivered_there():
    organisation = OrganisationFactory()
    location = make_location(organisation=organisation, name="みなと会館", address_1="港南三丁目4-5")
    make_service(organisation=organisation, name="居場所カフェ", location_codes=(location.code,))
    assert names("港南三丁目") == ["居場所カフェ"]
    assert names("みなと会館") == ["居場所カフェ"]
    assert names("新宿区") == ["居場所カフェ"]  # the location's municipality
    location_save(
        actor=ACTOR,
        organisation=organisation,
        data=LocationData(name="やまて会館", area_code="131041", address_1="山手一丁目2-3"),
        location=location,
    )
    assert names("港南") == []
    assert names("みなと会館") == []
    assert names("山手一丁目") == ["居場所カフェ"]


def test_a_confidential_address_is_never_indexed():
    make_areas()
    organisation = OrganisationFactory()
    secret = canary("shelteraddress")
    location, _ = location_save(
        actor=ACTOR,
        organisation=organisation,
        data=LocationData(
            name="女性相談シェルター", area_code="131041", is_confidential=True, confidential_address=secret
        ),
    )
    assert Location.objects.get(pk=location.pk).confidential_address == secret
    service = make_service(organisation=organisation, name="DV相談", location_codes=(location.code,))
    # Not its name either: the API and pages show a confidential location only as 非公開, so a
    # search by the shelter's real name must not lead to the service.
    assert names("シェルター") == []
    assert names("DV相談") == ["DV相談"]  # the positive control: the service itself is indexed
    assert names(secret) == []
    assert names(secret[-2:]) == []  # the canary's 鶺鴒, found nowhere else
    # The canary's 鶺鴒 appears in nothing else the service is indexed by.
    own = {tk.text_token(t) for t in index_tokens(secret) if "鶺" in t or "鴒" in t}
    assert own
    assert not own & stored_tokens(service)
    # Not even the municipality of a confidential place is indexed as text.
    assert names("新宿区") == []


def test_filters_and_hours_are_tokens_of_the_service():
    organisation = OrganisationFactory()
    service = make_service(
        organisation=organisation,
        fees="free",
        is_24_hours=True,
        is_crisis_line=True,
        languages=("ja", "vi"),
        area_codes=("131041",),
        is_national=True,
    )
    tokens = stored_tokens(service)
    expected = {
        tk.area_token("131041"),
        tk.area_token(""),
        tk.organisation_token(organisation.pk),
        tk.language_token("vi"),
        tk.flag_token(tk.FLAG_FREE),
        tk.flag_token(tk.FLAG_24_HOURS),
        tk.flag_token(tk.FLAG_CRISIS_LINE),
        *tk.status_tokens("active"),
        *(tk.term_token(pk) for pk in service.attributes.values_list("taxonomy_term_id", flat=True)),
    }
    assert expected <= tokens
    moment = dt.datetime.now(TOKYO)
    assert tk.matches(hours.open_expression(moment), tokens)  # 24 hours, no schedule


def test_rebuild_restores_a_damaged_index_and_prune_drops_deleted_services():
    kept = make_service(name="残る窓口")
    gone = make_service(name="消える窓口")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM directory_search_doc WHERE service_id = %s", [kept.pk])
    assert names("残る窓口") == []
    Service.objects.filter(pk=gone.pk).delete()
    out = io.StringIO()
    call_command("rebuild_search_index", verbosity=2, stdout=out)
    assert "indexed 1 / 1" in out.getvalue()
    assert "1 services indexed" in out.getvalue()
    assert names("窓口") == ["残る窓口"]
    assert index_rows() == 1


def test_sqlite_full_text_index_stays_consistent_through_edits():
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is SQLite's index")
    organisation = OrganisationFactory()
    service = make_service(organisation=organisation, name="初版")
    data = service_data(name="初版")
    for i in range(5):
        data = replace(data, name=f"第{i}版", description=f"改訂{i}回目")
        service_save(actor=ACTOR, organisation=organisation, data=data, service=service)
    with connection.cursor() as cursor:
        # Raises if a delete did not match what was inserted.
        cursor.execute("INSERT INTO directory_search_fts (directory_search_fts) VALUES ('integrity-check')")
    assert names("初版") == []
    assert names("改訂3回目") == []
    assert names("第4版") == ["第4版"]


def test_hours_outside_their_window_are_checked_slowly_then_renewed():
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=TOKYO), tick=False):
        make_service(name="平日窓口", hours="月～金 9:00～17:00")
        make_service(name="土曜窓口", hours="土 9:00～17:00")
    # More than a year later the tokens say nothing; the search checks these services in Python.
    later = dt.datetime(2028, 3, 1, 10, 0, tzinfo=TOKYO)  # a Wednesday
    with time_machine.travel(later, tick=False):
        assert names(open_now=True) == ["平日窓口"]
        assert [s.name for s in services_search(text="窓口").services] == ["平日窓口", "土曜窓口"]
        out = io.StringIO()
        call_command("rebuild_search_index", "--stale-hours", stdout=out)
        assert "2 services indexed" in out.getvalue()
        assert names(open_now=True) == ["平日窓口"]
        call_command("rebuild_search_index", "--stale-hours", stdout=out)
        assert "0 services indexed" in out.getvalue()
    with time_machine.travel(later.replace(day=4), tick=False):  # Saturday
        assert names(open_now=True) == ["土曜窓口"]
