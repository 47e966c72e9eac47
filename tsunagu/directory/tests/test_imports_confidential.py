"""What an import may not change: a confidential location (a DV shelter), and tenant organisations.

The importer here is a person with ``directory.import``: the platform secretariat, who curates the
public directory but may neither see a confidential address nor manage organisations, and for the
allowed case the system administrator, who may manage organisations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Actor
from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.accounts.tests.personas import PERSONAS, World
from tsunagu.core.tests.canary import canary
from tsunagu.directory.imports.export import export_hsds_json
from tsunagu.directory.imports.run import ImportReport
from tsunagu.directory.imports.services import ImportFormat, resources_import
from tsunagu.directory.models import ChangeRecord, Location, Service
from tsunagu.directory.services import LocationData, PhoneData, location_save
from tsunagu.directory.tests.factories import ACTOR, make_areas, make_location, make_service

pytestmark = pytest.mark.django_db

PUBLIC_ADDRESS = {"address_1": "新宿一丁目1-1", "postal_code": "160-0022", "local_government_code": "131041"}
EXAMPLES = Path(__file__).resolve().parents[1] / "imports" / "examples"


def actor(world: World, persona: str) -> Actor:
    org_key, role = PERSONAS[persona]
    return Actor(user=world.users[persona], organisation=world.organisations[org_key], roles=frozenset({role}))


def import_json(who: Actor, document: dict[str, Any]) -> ImportReport:
    data = json.dumps(document, ensure_ascii=False).encode()
    return resources_import(actor=who, format=ImportFormat.HSDS_JSON, data=data, file_name="directory.json")


def exported() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(export_hsds_json())
    return document


def organization(document: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in document["organizations"] if o["id"] == str(organisation.code))
    return found


def make_shelter(organisation: Organisation, secret: str) -> Location:
    return make_location(
        organisation=organisation,
        name="みどりの家",
        description="DV被害者の一時保護",
        area_code="131041",
        postal_code="",
        address_1="",
        is_confidential=True,
        confidential_address=secret,
        phones=(PhoneData("0312345678"),),
        hours="月～金 9:00～17:00",
    )


def shelter_state(location: Location) -> dict[str, Any]:
    location = Location.objects.select_related("area").get(pk=location.pk)
    return {
        "name": location.name,
        "description": location.description,
        "is_confidential": location.is_confidential,
        "confidential_address": location.confidential_address,
        "area": location.area.code if location.area else "",
        "address": (location.postal_code, location.address_1, location.address_2, location.latitude),
        "schedules": list(location.schedules.values_list("code", "hours")),
        "phones": list(location.phones.values_list("code", "number")),
        "services": sorted(location.service_at_locations.values_list("service__code", flat=True)),
        "updated_at": location.updated_at,
    }


# -- H2: export → import into the same database ------------------------------------------------------


@pytest.mark.parametrize("persona", ["platform_secretariat_c", "system_admin_c"])
def test_export_then_import_into_the_same_database_leaves_a_shelter_unchanged(world: World, persona: str) -> None:
    make_areas()
    organisation = OrganisationFactory(name="NPO法人ひだまり")
    shelter = make_shelter(organisation, canary("shelter"))
    make_service(organisation=organisation, name="女性相談", location_codes=(shelter.code,))
    before = shelter_state(shelter)
    history = ChangeRecord.objects.filter(resource_code=shelter.code).count()
    document = exported()
    assert "みどりの家" not in json.dumps(document, ensure_ascii=False)  # the export has the fixed name only

    report = import_json(actor(world, persona), document)

    assert report.committed, report.errors
    assert shelter_state(shelter) == before
    assert ChangeRecord.objects.filter(resource_code=shelter.code).count() == history
    assert report.locations.as_dict() == {"created": 0, "updated": 0, "unchanged": 1}
    with translation.override("en"):
        assert [w.reason_en for w in report.warnings] == [
            "This location is confidential (a shelter or similar), so it was left as it is and nothing from the "
            "file was applied. Change it on the location's page."
        ]
    assert report.warnings[0].value == str(shelter.code)


def test_a_confidential_location_new_to_the_database_is_created_confidential_without_an_address(world: World) -> None:
    make_areas()
    organisation = OrganisationFactory(name="NPO法人ひだまり")
    shelter = make_shelter(organisation, canary("shelter"))
    document = exported()
    location = organization(document, organisation)["locations"][0]
    # Whatever a file adds to a location marked confidential, none of it is taken.
    location["addresses"] = [PUBLIC_ADDRESS]
    location["latitude"], location["longitude"] = 35.69, 139.7
    Location.objects.filter(pk=shelter.pk).delete()

    report = import_json(actor(world, "platform_secretariat_c"), document)

    assert report.committed, report.errors
    created = Location.objects.get(code=shelter.code)
    assert created.is_confidential
    assert created.confidential_address == ""
    assert (created.postal_code, created.address_1, created.latitude, created.longitude) == ("", "", None, None)


# -- H1: a confidential location is never made public ------------------------------------------------


def test_an_hsds_import_never_makes_a_confidential_location_public(world: World) -> None:
    make_areas()
    organisation = OrganisationFactory(name="NPO法人ひだまり")
    secret = canary("shelter")
    shelter = make_shelter(organisation, secret)
    before = shelter_state(shelter)
    document = exported()
    location = organization(document, organisation)["locations"][0]
    location["name"] = "みどりの家（公開）"
    location["tsunagu"] = {"is_confidential": False}
    location["addresses"] = [PUBLIC_ADDRESS]

    report = import_json(actor(world, "platform_secretariat_c"), document)

    assert report.committed, report.errors
    assert shelter_state(shelter) == before
    assert Location.objects.get(pk=shelter.pk).confidential_address == secret


def test_a_csv_import_never_makes_a_confidential_location_public(world: World) -> None:
    make_areas()
    data = (EXAMPLES / "ibasho.csv").read_bytes()
    mapping = (EXAMPLES / "ibasho-mapping.toml").read_bytes()

    def run(who: Any) -> ImportReport:
        return resources_import(
            actor=who, format=ImportFormat.CSV_MAPPED, data=data, file_name="ibasho.csv", mapping=mapping
        )

    assert run(ACTOR).committed
    place = Location.objects.get(name="ほっとサロン新宿")
    assert place.address_1  # imported with its public address
    # Its editors make it a shelter: the public address goes, the real one is kept encrypted.
    secret = canary("salon")
    location_save(
        actor=ACTOR,
        organisation=place.organisation,
        location=place,
        data=LocationData(
            name="ほっとサロン新宿",
            area_code="131041",
            is_confidential=True,
            confidential_address=secret,
            source=place.source,
            source_id=place.source_id,
        ),
    )
    before = shelter_state(place)

    report = run(actor(world, "platform_secretariat_c"))  # the open data still lists the old address

    assert report.committed, report.errors
    assert shelter_state(place) == before
    place.refresh_from_db()
    assert place.is_confidential and place.confidential_address == secret and not place.address_1
    assert len(report.warnings) == 1


# -- H1: tenant organisations --------------------------------------------------------------------------


def test_an_import_changes_a_tenant_organisation_only_for_someone_who_may_manage_organisations(world: World) -> None:
    make_areas()
    tenant = world.organisations["D"]
    make_service(organisation=tenant, name="居場所カフェ")
    document = exported()
    unchanged = json.loads(json.dumps(document))
    organization(document, tenant)["name"] = "乗っ取られた名前"

    report = import_json(actor(world, "platform_secretariat_c"), document)

    assert not report.committed
    tenant.refresh_from_db()
    assert tenant.name == "NPO法人D"
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.value) == (1, "乗っ取られた名前")
    assert error.reason_ja.startswith("団体「NPO法人D」はメンバーのいる利用団体です。")
    assert error.reason_en == (
        "NPO法人D is an organisation with members: an import may change it only for someone who may manage "
        "organisations (fields that would change: name)."
    )
    # The same file without the change imports: an unchanged tenant organisation is no obstacle.
    assert import_json(actor(world, "platform_secretariat_c"), unchanged).committed
    # Someone who may manage organisations may rename it by import.
    assert import_json(actor(world, "system_admin_c"), document).committed
    tenant.refresh_from_db()
    assert tenant.name == "乗っ取られた名前"


def test_an_import_moves_a_service_out_of_a_tenant_organisation_only_for_someone_who_may_manage_them(
    world: World,
) -> None:
    make_areas()
    tenant = world.organisations["D"]
    other = OrganisationFactory(name="NPO法人よそ")
    service = make_service(organisation=tenant, name="居場所カフェ")
    make_service(organisation=other, name="よその相談")
    document = exported()
    item = organization(document, tenant)
    moved = item["services"].pop()
    moved["organization_id"] = str(other.code)
    organization(document, other)["services"].append(moved)

    report = import_json(actor(world, "platform_secretariat_c"), document)

    assert not report.committed
    assert Service.objects.get(pk=service.pk).organisation_id == tenant.pk
    assert [e.value for e in report.errors] == ["居場所カフェ"]
    assert report.errors[0].reason_en.startswith("The service 居場所カフェ cannot be moved to another organisation")
    assert import_json(actor(world, "system_admin_c"), document).committed
    assert Service.objects.get(pk=service.pk).organisation_id == other.pk


def test_an_import_may_still_move_a_service_between_organisations_without_members(world: World) -> None:
    make_areas()
    first, second = OrganisationFactory(name="子ども食堂A"), OrganisationFactory(name="運営会B")
    service = make_service(organisation=first, name="みんな食堂")
    make_service(organisation=second, name="別の食堂")
    document = exported()
    moved = organization(document, first)["services"].pop()
    organization(document, second)["services"].append(moved)

    report = import_json(actor(world, "platform_secretariat_c"), document)

    assert report.committed, report.errors
    assert Service.objects.get(pk=service.pk).organisation_id == second.pk
