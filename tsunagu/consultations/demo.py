"""Demo participation in the shared queue (`seed_consultation_demo`): the demo helpline answers around
the clock and the demo council of social welfare in the evening, and one chat waits in the queue."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.accounts.models import Organisation
from tsunagu.audit.services import SystemActor
from tsunagu.consultations import services
from tsunagu.consultations.models import Consultation, ConsultationDesk, Sender
from tsunagu.directory.schedules import parse_schedule

ACTOR = SystemActor(label="seed_consultation_demo")
#: The demo organisations (accounts.demo.ORGS) that answer, with their on-duty hours.
PARTICIPANTS = (("全国つながり相談ネット（デモ）", ""), ("鳥取市社会福祉協議会（デモ）", "毎日 9:00～21:00"))
DEMO_ADDRESS = "192.0.2.200"  # TEST-NET-1: documentation addresses, nobody's real one


class DemoDataMissing(Exception):
    pass


@dataclass(frozen=True)
class Seeded:
    participants: int
    waiting_chat_created: bool


def seed() -> Seeded:
    count = 0
    for name, hours in PARTICIPANTS:
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is None:
            raise DemoDataMissing(f"organisation {name!r} is missing: run seed_demo first")
        if not ConsultationDesk.objects.filter(organisation=organisation).exists():
            services.desk_settings_save(
                actor=ACTOR,
                organisation=organisation,
                hours=parse_schedule(hours).to_json() if hours else {},
                hours_text=hours,
                active=True,
            )
        count += 1
    created = False
    if not Consultation.objects.exists():
        started = services.chat_start(address=DEMO_ADDRESS, at_risk=False, language="ja")
        services.message_post(
            consultation=started.consultation,
            sender=Sender.PERSON,
            body="（デモ）最近、誰とも話していなくて、夜になるとさみしくなります。",
        )
        created = True
    return Seeded(participants=count, waiting_chat_created=created)
