"""Demo referral (`seed_referral_demo`): the demo helpline's counsellor had a chat with a (fictional)
person who agreed to share their concerns and phone number with the demo council of social welfare,
and referred them there; the demo support worker finds it in their list."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.accounts.models import Membership, Organisation
from tsunagu.accounts.policy import Actor, Role
from tsunagu.consultations import services as consultation_services
from tsunagu.consultations.models import ConsentMethod
from tsunagu.directory.models import TaxonomyTerm
from tsunagu.referrals import services
from tsunagu.referrals.models import Item, Purpose, Referral

HELPLINE = "全国つながり相談ネット（デモ）"
SWC = "鳥取市社会福祉協議会（デモ）"
COUNSELLOR = "demo-counsellor"
DEMO_ADDRESS = "192.0.2.201"  # TEST-NET-1


class DemoDataMissing(Exception):
    pass


@dataclass(frozen=True)
class Seeded:
    created: bool


def seed() -> Seeded:
    if Referral.objects.exists():
        return Seeded(created=False)
    helpline = Organisation.objects.filter(name=HELPLINE).first()
    swc = Organisation.objects.filter(name=SWC).first()
    membership = (
        Membership.objects.filter(user__username=COUNSELLOR, organisation=helpline, role=Role.COUNSELLOR)
        .select_related("user")
        .first()
    )
    if helpline is None or swc is None or membership is None:
        raise DemoDataMissing("the demo organisations or counsellor are missing: run seed_demo first")
    actor = Actor(user=membership.user, organisation=helpline, roles=frozenset({Role.COUNSELLOR}))
    started = consultation_services.chat_start(address=DEMO_ADDRESS, at_risk=False, language="ja")
    consultation = started.consultation
    consultation_services.message_post(
        consultation=consultation, sender="person", body="（デモ）仕事をなくしてから、家賃が払えるか不安で眠れません。"
    )
    consultation_services.consultation_take(actor=actor, consultation=consultation)
    concerns = list(TaxonomyTerm.objects.filter(taxonomy__key="concern", key__in=["living-money", "housing"]))
    consultation_services.consultation_record(
        actor=actor,
        consultation=consultation,
        data=consultation_services.RecordData(
            concerns=concerns, summary="（デモ）失業後の家賃の不安。地元で相談したい。"
        ),
    )
    consultation_services.person_record(
        actor=actor,
        consultation=consultation,
        data=consultation_services.PersonData(
            consent_method=ConsentMethod.ORAL, name="（デモ）仮名 花子", phone="00-0000-0000"
        ),
    )
    consultation.refresh_from_db()
    consent = services.consent_record(
        actor=actor,
        consultation=consultation,
        data=services.ConsentData(
            purposes=[Purpose.SUPPORT],
            recipients=[swc],
            other_recipient="",
            items=[Item.CONCERNS, Item.PHONE],
            method=ConsentMethod.ORAL,
        ),
    ).consent
    services.referral_create(
        actor=actor,
        consultation=consultation,
        data=services.ReferralData(
            to_organisation=swc,
            to_service=None,
            external_name="",
            external_contact="",
            items=[Item.CONCERNS, Item.PHONE],
            contact_how=["phone"],
            contact_when="（デモ）平日の夕方",
        ),
        key="demo",
        consent_code=consent.code,
        send=True,
    )
    return Seeded(created=True)
