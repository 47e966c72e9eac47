"""The people of tsunagu, once, for every test (docs/style.md: personas in one place).

Organisations: A is a national helpline NPO, B a council of social welfare, C the municipality's
loneliness-policy office, D a local NPO. Each persona holds one role in one organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.accounts import session_policy
from tsunagu.accounts.models import Organisation, OrganisationType, User
from tsunagu.accounts.policy import Role, second_factor_required
from tsunagu.accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory, add_totp

ANONYMOUS = "anonymous"

# persona name -> (organisation key, role)
PERSONAS: dict[str, tuple[str, Role]] = {
    "counsellor_a": ("A", Role.COUNSELLOR),
    "supervisor_a": ("A", Role.SUPERVISOR),
    "support_worker_b": ("B", Role.SUPPORT_WORKER),
    "org_admin_d": ("D", Role.ORG_ADMIN),
    "council_member_b": ("B", Role.COUNCIL_MEMBER),
    "council_secretariat_c": ("C", Role.COUNCIL_SECRETARIAT),
    "platform_member_d": ("D", Role.PLATFORM_MEMBER),
    "platform_secretariat_c": ("C", Role.PLATFORM_SECRETARIAT),
    "auditor_c": ("C", Role.AUDITOR),
    "system_admin_c": ("C", Role.SYSTEM_ADMIN),
}
ALL = [ANONYMOUS, *PERSONAS]
STAFF = list(PERSONAS)


@dataclass
class World:
    organisations: dict[str, Organisation]
    users: dict[str, User]
    devices: dict[str, TOTPDevice] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        client = Client()
        if persona != ANONYMOUS:
            sign_in(client, self.users[persona], organisation=self.organisations[PERSONAS[persona][0]])
        return client


def build_world() -> World:
    organisations = {
        "A": OrganisationFactory(name="全国相談ネットA", type=OrganisationType.NATIONAL_HELPLINE, municipality_code=""),
        "B": OrganisationFactory(name="社会福祉協議会B", type=OrganisationType.SOCIAL_WELFARE_COUNCIL),
        "C": OrganisationFactory(name="市役所C 孤独・孤立対策担当", type=OrganisationType.GOVERNMENT),
        "D": OrganisationFactory(name="NPO法人D", type=OrganisationType.NPO),
    }
    world = World(organisations=organisations, users={})
    for persona, (org_key, role) in PERSONAS.items():
        user = UserFactory(username=persona.replace("_", "-"))
        MembershipFactory(user=user, organisation=organisations[org_key], role=role)
        world.users[persona] = user
        if second_factor_required({role}):
            world.devices[persona] = add_totp(user)
    return world


def sign_in(client: Client, user: User, *, organisation: Organisation | None = None) -> None:
    """What a completed password + one-time-code sign-in leaves in the session."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session_policy.mark_signed_in(session)
    if organisation is not None:
        session[session_policy.ACTING_ORG] = str(organisation.code)
    session.save()


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"
