"""Writes to directory resources: validation, history (HSDS metadata), audit, confidentiality."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.audit.models import AuditEvent
from tsunagu.directory.models import (
    Attribute,
    ChangeRecord,
    Location,
    Service,
    ServiceArea,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from tsunagu.directory.services import (
    LocationData,
    PhoneData,
    location_save,
    service_save,
    service_set_status,
    service_verify,
    taxonomies_load,
)
from tsunagu.directory.tests.factories import ACTOR, make_areas, make_location, make_service, service_data
from tsunagu.directory.vocabularies import CONCERNS, VOCABULARIES

pytestmark = pytest.mark.django_db


def test_taxonomies_are_shipped_with_every_database_and_reloading_keeps_staff_edits():
    assert Taxonomy.objects.count() == len(VOCABULARIES)
    assert TaxonomyTerm.objects.filter(taxonomy__key="concern").count() == len(CONCERNS)
    term = TaxonomyTerm.objects.get(taxonomy__key="concern", key="mind-life")
    term.name = "こころ・いのちの悩み"
    term.save()
    TaxonomyTerm.objects.filter(taxonomy__key="channel", key="chat").delete()
    assert taxonomies_load(actor=ACTOR) == 1  # only the missing term comes back
    term.refresh_from_db()
    assert term.name == "こころ・いのちの悩み"


def test_creating_a_service_writes_its_parts_history_and_one_audit_row():
    organisation = OrganisationFactory()
    make_areas()
    before = AuditEvent.objects.count()
    service, result = service_save(
        actor=ACTOR,
        organisation=organisation,
        data=service_data(
            concerns=("mind-life", "loneliness-talk"),
            channels=("phone", "line"),
            phones=(PhoneData("0120-000-000"),),
            hours="月～金 9:00～17:00",
            is_national=True,
        ),
    )
    assert result.created
    assert set(service.attributes.values_list("taxonomy_term__key", flat=True)) == {
        "mind-life",
        "loneliness-talk",
        "anyone",
        "consultation",
        "phone",
        "line",
    }
    assert {a.area.code if a.area else None for a in ServiceArea.objects.filter(service=service)} == {"131041", None}
    assert service.phones.get().number == "0120-000-000"
    assert service.schedules.get().hours["original_text"] == "月～金 9:00～17:00"
    history = {r.field_name: r for r in ChangeRecord.objects.filter(resource_code=service.code)}
    assert history["name"].action == "create"
    assert history["concerns"].replacement_value == "loneliness-talk, mind-life"
    assert "alert" not in history  # empty fields are not history
    events = AuditEvent.objects.filter(seq__gt=before)
    assert [e.action for e in events] == ["service.created"]


def test_updating_records_only_what_changed_from_what_to_what():
    service = make_service()
    data = service_data(concerns=("mind-life", "work"), description="新しい説明")
    before = ChangeRecord.objects.count()
    _service, result = service_save(actor=ACTOR, organisation=service.organisation, data=data, service=service)
    assert sorted(result.changed) == ["concerns", "description"]
    rows = {r.field_name: r for r in ChangeRecord.objects.filter(resource_code=service.code, action="update")}
    assert rows["concerns"].previous_value == "mind-life"
    assert rows["concerns"].replacement_value == "mind-life, work"
    assert rows["description"].replacement_value == "新しい説明"
    assert ChangeRecord.objects.count() == before + 2
    # Saving the same data again changes nothing and writes nothing.
    audit_before = AuditEvent.objects.count()
    _service, again = service_save(actor=ACTOR, organisation=service.organisation, data=data, service=service)
    assert again.changed == [] and AuditEvent.objects.count() == audit_before


def test_unknown_term_or_area_is_refused_and_nothing_is_written():
    organisation = OrganisationFactory()
    make_areas()
    services = Service.objects.count()
    with pytest.raises(ValidationError):
        service_save(actor=ACTOR, organisation=organisation, data=service_data(concerns=("no-such-concern",)))
    with pytest.raises(ValidationError):
        service_save(actor=ACTOR, organisation=organisation, data=service_data(area_codes=("999999",)))
    with pytest.raises(ValidationError):
        service_save(actor=ACTOR, organisation=organisation, data=service_data(resource_kinds=("ibasho", "salon")))
    assert Service.objects.count() == services
    assert not Attribute.objects.exists()


def test_status_and_verification_are_history_too():
    service = make_service()
    assert service_set_status(actor=ACTOR, service=service, status=ServiceStatus.TEMPORARILY_CLOSED)
    assert not service_set_status(actor=ACTOR, service=service, status=ServiceStatus.TEMPORARILY_CLOSED)
    service_verify(actor=ACTOR, service=service)
    fields = list(
        ChangeRecord.objects.filter(resource_code=service.code, action="update").values_list("field_name", flat=True)
    )
    assert fields == ["status", "assured_date"]
    with pytest.raises(ValidationError):
        service_set_status(actor=ACTOR, service=service, status="closed-forever")


def test_confidential_address_is_encrypted_and_its_value_never_in_history():
    organisation = OrganisationFactory()
    make_areas()
    canary = "秘密町9-9-9カナリア"
    location, _ = location_save(
        actor=ACTOR,
        organisation=organisation,
        data=LocationData(name="シェルター", area_code="131041", is_confidential=True, confidential_address=canary),
    )
    assert Location.objects.get(pk=location.pk).confidential_address == canary
    with connection.cursor() as cursor:
        cursor.execute("SELECT confidential_address FROM directory_location WHERE id = %s", [location.pk])
        stored = cursor.fetchone()[0]
    assert canary not in stored and stored.startswith("enc1:")
    assert not ChangeRecord.objects.filter(replacement_value__contains="カナリア").exists()
    assert ChangeRecord.objects.filter(resource_code=location.code, field_name="confidential_address").exists()


def test_a_confidential_location_cannot_keep_a_public_address():
    location = make_location(organisation=OrganisationFactory())
    with pytest.raises(ValidationError):
        location_save(
            actor=ACTOR,
            organisation=location.organisation,
            location=location,
            data=LocationData(name="x", is_confidential=True, address_1="見える住所1-1"),
        )
    # The database refuses it too, whatever code path writes.
    Location.objects.filter(pk=location.pk).update(is_confidential=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=location.pk).update(is_confidential=True)
