"""The desks's test world: the personas' organisations, with A (a national helpline) and a local
helpline E answering the shared queue, E with its own counsellor and supervisor."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.accounts.models import Organisation, OrganisationType, User
from tsunagu.accounts.policy import Actor, Role
from tsunagu.accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory, add_totp
from tsunagu.accounts.tests.personas import World
from tsunagu.audit.services import SystemActor
from tsunagu.consultations import services
from tsunagu.consultations.models import ConsultationDesk
from tsunagu.directory.schedules import parse_schedule

SYSTEM = SystemActor(label="test")


@dataclass
class Desks:
    world: World
    local: Organisation  # E: a local helpline that also answers the queue
    local_counsellor: User
    local_supervisor: User

    def actor(self, persona: str) -> Actor:
        org_key = {"counsellor_a": "A", "supervisor_a": "A"}.get(persona)
        if persona == "local_counsellor":
            return Actor(user=self.local_counsellor, organisation=self.local, roles=frozenset({Role.COUNSELLOR}))
        if persona == "local_supervisor":
            return Actor(user=self.local_supervisor, organisation=self.local, roles=frozenset({Role.SUPERVISOR}))
        role = Role.SUPERVISOR if persona.startswith("supervisor") else Role.COUNSELLOR
        assert org_key is not None, persona
        return Actor(
            user=self.world.users[persona], organisation=self.world.organisations[org_key], roles=frozenset({role})
        )


def participate(organisation: Organisation, hours: str = "") -> ConsultationDesk:
    return services.desk_settings_save(
        actor=SYSTEM,
        organisation=organisation,
        hours=parse_schedule(hours).to_json() if hours else {},
        hours_text=hours,
        active=True,
    )


def make_desks(world: World) -> Desks:
    local = OrganisationFactory(name="とっとりいのちの電話E", type=OrganisationType.NPO)
    counsellor = UserFactory(username="local-counsellor")
    supervisor = UserFactory(username="local-supervisor")
    MembershipFactory(user=counsellor, organisation=local, role=Role.COUNSELLOR)
    MembershipFactory(user=supervisor, organisation=local, role=Role.SUPERVISOR)
    add_totp(counsellor)
    add_totp(supervisor)
    participate(world.organisations["A"])
    participate(local)
    return Desks(world=world, local=local, local_counsellor=counsellor, local_supervisor=supervisor)
