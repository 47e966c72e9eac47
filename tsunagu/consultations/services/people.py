"""The person's record: kept only with their consent to record (APPI Art. 20(2)), found again by phone."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import record, refusals_audited
from tsunagu.consultations import access
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.indexes import person_phone_index
from tsunagu.consultations.models import ConsentMethod, Consultation, Person
from tsunagu.consultations.services.common import ConsultationError, Refused, require_handler, touch
from tsunagu.core.crypto import normalise_phone


@dataclass(frozen=True)
class PersonData:
    consent_method: str
    name: str = ""
    name_kana: str = ""
    phone: str = ""
    address: str = ""
    birth_year: str = ""
    gender: str = ""
    municipality: str = ""


PERSON_FIELDS = ("name", "name_kana", "phone", "address", "birth_year", "gender", "municipality")


def _person_new(actor: Actor, data: PersonData) -> Person:
    assert actor.user is not None and actor.organisation is not None
    if data.consent_method not in ConsentMethod.values:
        raise ConsultationError(str(_("Record how the person agreed to their details being recorded.")), code="consent")
    values = {name: getattr(data, name).strip() for name in PERSON_FIELDS}
    if not any(values.values()):
        raise ConsultationError(str(_("Nothing to record.")), code="empty")
    phone = normalise_phone(values["phone"])
    now = timezone.now()
    person = Person.objects.create(
        organisation=actor.organisation,
        consent_method=data.consent_method,
        consent_at=now,
        consent_taken_by=actor.user,
        phone_index=person_phone_index(phone) if phone else "",
        last_contact_at=now,
        **values,
    )
    record(
        actor=actor,
        action=ConsultationAction.PERSON_RECORDED,
        target_type="person",
        target_code=person.code,
        detail={"fields": sorted(name for name, value in values.items() if value), "consent": data.consent_method},
    )
    return person


@refusals_audited(ConsultationAction.PERSON_RECORDED)
@transaction.atomic
def person_record(*, actor: Actor, consultation: Consultation, data: PersonData) -> Person:
    """Record the person's details, only with their consent to record: how, when and by whom it
    was given is kept with them (APPI Art. 20(2))."""
    require_handler(actor, consultation, open_only=False)
    person = _person_new(actor, data)
    touch(consultation, person=person)
    return person


@transaction.atomic
def person_record_direct(*, actor: Actor, data: PersonData) -> Person:
    """A person a support organisation supports directly, recorded without a consultation (to refer
    them on, docs/referrals.md). The caller decides who may; the consent to record is kept the same way."""
    if actor.user is None or actor.organisation is None:
        raise ConsultationError(str(_("Choose the organisation you act for first.")), code="organisation")
    return _person_new(actor, data)


@refusals_audited(ConsultationAction.PERSON_LINKED)
@transaction.atomic
def person_link(*, actor: Actor, consultation: Consultation, person: Person) -> None:
    """Join this contact to a person already recorded, so they need not tell their story again."""
    require_handler(actor, consultation, open_only=False)
    if not access.may_use_person(actor, person):
        raise Refused(
            str(_("That person is not recorded by your organisation.")),
            code="person",
            target_type="person",
            target_code=str(person.code),
        )
    touch(consultation, person=person)
    Person.objects.filter(pk=person.pk).update(last_contact_at=timezone.now())
    record(
        actor=actor,
        action=ConsultationAction.PERSON_LINKED,
        target_type="consultation",
        target_code=consultation.code,
        detail={"person": str(person.code)},
    )
