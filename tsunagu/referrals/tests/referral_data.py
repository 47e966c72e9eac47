"""The referrals' test world: a counsellor of the national helpline A has a chat with a person who
agreed to be recorded; the local council of social welfare B receives referrals (its support worker,
plus a supervisor for escalations); A also has an organisation administrator."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.policy import Actor, Role
from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory, add_totp
from tsunagu.accounts.tests.personas import World
from tsunagu.consultations import services as consultation_services
from tsunagu.consultations.models import ConsentMethod, Consultation, Person
from tsunagu.consultations.tests.consultation_data import participate
from tsunagu.directory.models import TaxonomyTerm
from tsunagu.referrals import services
from tsunagu.referrals.models import Consent, Item, Purpose

# What the person told the counsellor: only some of it may travel.
NAME = "山田 花子"
PHONE = "090-1234-5678"
ADDRESS = "東京都新宿区西新宿二丁目8番1号"
SUMMARY = "夫からの暴言が続いていて、夜眠れない。"


@dataclass
class Case:
    world: World
    consultation: Consultation
    person: Person
    a: Organisation
    b: Organisation
    supervisor_b: User
    org_admin_a: User

    def actor(self, persona: str) -> Actor:
        if persona == "supervisor_b":
            return Actor(user=self.supervisor_b, organisation=self.b, roles=frozenset({Role.SUPERVISOR}))
        if persona == "org_admin_a":
            return Actor(user=self.org_admin_a, organisation=self.a, roles=frozenset({Role.ORG_ADMIN}))
        roles = {
            "counsellor_a": (self.a, Role.COUNSELLOR),
            "supervisor_a": (self.a, Role.SUPERVISOR),
            "support_worker_b": (self.b, Role.SUPPORT_WORKER),
        }
        organisation, role = roles[persona]
        return Actor(user=self.world.users[persona], organisation=organisation, roles=frozenset({role}))


def make_case(world: World) -> Case:
    a, b = world.organisations["A"], world.organisations["B"]
    supervisor_b = UserFactory(username="supervisor-b", email="supervisor-b@example.jp")
    MembershipFactory(user=supervisor_b, organisation=b, role=Role.SUPERVISOR)
    add_totp(supervisor_b)
    org_admin_a = UserFactory(username="org-admin-a", email="org-admin-a@example.jp")
    MembershipFactory(user=org_admin_a, organisation=a, role=Role.ORG_ADMIN)
    add_totp(org_admin_a)
    world.users["support_worker_b"].email = "support-worker-b@example.jp"
    world.users["support_worker_b"].save()
    participate(a)
    started = consultation_services.chat_start(address="192.0.2.10", at_risk=False, language="ja")
    counsellor = Actor(user=world.users["counsellor_a"], organisation=a, roles=frozenset({Role.COUNSELLOR}))
    consultation_services.consultation_take(actor=counsellor, consultation=started.consultation)
    concerns = list(TaxonomyTerm.objects.filter(taxonomy__key="concern").order_by("position")[:2])
    consultation_services.consultation_record(
        actor=counsellor,
        consultation=started.consultation,
        data=consultation_services.RecordData(concerns=concerns, concern_words="孤立", summary=SUMMARY),
    )
    person = consultation_services.person_record(
        actor=counsellor,
        consultation=started.consultation,
        data=consultation_services.PersonData(
            consent_method=ConsentMethod.ORAL, name=NAME, phone=PHONE, address=ADDRESS
        ),
    )
    started.consultation.refresh_from_db()
    return Case(
        world=world,
        consultation=started.consultation,
        person=person,
        a=a,
        b=b,
        supervisor_b=supervisor_b,
        org_admin_a=org_admin_a,
    )


def consent_for(
    case: Case, *, items: tuple[str, ...] = (Item.CONCERNS, Item.PHONE), to: tuple[Organisation, ...] | None = None
) -> services.ConsentRecorded:
    return services.consent_record(
        actor=case.actor("counsellor_a"),
        consultation=case.consultation,
        data=services.ConsentData(
            purposes=[Purpose.SUPPORT],
            recipients=list(to if to is not None else (case.b,)),
            other_recipient="",
            items=list(items),
            method=ConsentMethod.ORAL,
        ),
    )


def referral_data(case: Case, *, items: tuple[str, ...] = (Item.CONCERNS, Item.PHONE)) -> services.ReferralData:
    return services.ReferralData(
        to_organisation=case.b,
        to_service=None,
        external_name="",
        external_contact="",
        items=items,
        contact_how=("phone",),
        contact_when="平日の午前",
        do_not_call_home=True,
    )


def send(case: Case, consent: Consent, *, key: str = "k1", items: tuple[str, ...] = (Item.CONCERNS, Item.PHONE)):  # type: ignore[no-untyped-def]
    return services.referral_create(
        actor=case.actor("counsellor_a"),
        consultation=case.consultation,
        data=referral_data(case, items=items),
        key=key,
        consent_code=consent.code,
        send=True,
    )
