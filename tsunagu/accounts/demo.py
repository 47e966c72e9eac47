"""Demo data: visibly fictional organisations and one user per role (never in production)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.accounts import services
from tsunagu.accounts.models import Membership, Organisation, OrganisationType, User
from tsunagu.accounts.policy import Role, second_factor_required
from tsunagu.audit.services import SystemActor

DEMO_PASSWORD = "tsunagu-demo-2026"
# 鳥取市: real local government code (with check digit) so later parts can use real area data.
DEMO_MUNICIPALITY = "312011"
# 00- numbers are not assigned in Japan: nobody can be reached by mistake.
UNREACHABLE_PHONE = "00-0000-0000"


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kana: str
    type: OrganisationType
    municipality: str


ORGS = [
    DemoOrg(
        "city",
        "鳥取市 孤独・孤立対策担当課（デモ）",
        "トットリシ コドク・コリツタイサクタントウカ（デモ）",
        OrganisationType.GOVERNMENT,
        DEMO_MUNICIPALITY,
    ),
    DemoOrg(
        "helpline",
        "全国つながり相談ネット（デモ）",
        "ゼンコクツナガリソウダンネット（デモ）",
        OrganisationType.NATIONAL_HELPLINE,
        "",
    ),
    DemoOrg(
        "swc",
        "鳥取市社会福祉協議会（デモ）",
        "トットリシシャカイフクシキョウギカイ（デモ）",
        OrganisationType.SOCIAL_WELFARE_COUNCIL,
        DEMO_MUNICIPALITY,
    ),
    DemoOrg(
        "npo", "NPO法人 ひだまりの居場所（デモ）", "ヒダマリノイバショ（デモ）", OrganisationType.NPO, DEMO_MUNICIPALITY
    ),
]

USERS: list[tuple[str, str, Role, str]] = [
    ("demo-counsellor", "helpline", Role.COUNSELLOR, "相談員 デモ子（デモ）"),
    ("demo-supervisor", "helpline", Role.SUPERVISOR, "監督 デモ男（デモ）"),
    ("demo-support", "swc", Role.SUPPORT_WORKER, "支援員 デモ美（デモ）"),
    ("demo-orgadmin", "npo", Role.ORG_ADMIN, "団体管理 デモ太（デモ）"),
    ("demo-council", "swc", Role.COUNCIL_MEMBER, "協議会 デモ代（デモ）"),
    ("demo-council-sec", "city", Role.COUNCIL_SECRETARIAT, "事務局 デモ江（デモ）"),
    ("demo-pf-member", "npo", Role.PLATFORM_MEMBER, "参画 デモ介（デモ）"),
    ("demo-pf-sec", "city", Role.PLATFORM_SECRETARIAT, "PF事務局 デモ奈（デモ）"),
    ("demo-auditor", "city", Role.AUDITOR, "監査 デモ司（デモ）"),
    ("demo-admin", "city", Role.SYSTEM_ADMIN, "管理者 デモ郎（デモ）"),
]


def demo_totp_key(username: str) -> str:
    """Stable per demo user, so the printed secret stays valid across `make run`s."""
    return hmac.new(b"tsunagu demo totp", username.encode(), hashlib.sha256).hexdigest()[:40]


def base32_secret(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    organisation: str
    totp_secret: str | None


@transaction.atomic
def seed() -> list[DemoLogin]:
    actor = SystemActor("seed_demo")
    orgs: dict[str, Organisation] = {}
    for spec in ORGS:
        existing = Organisation.objects.filter(name=spec.name).first()
        orgs[spec.key] = existing or services.organisation_create(
            actor=actor,
            data=services.OrganisationData(
                name=spec.name,
                name_kana=spec.kana,
                type=spec.type,
                municipality_code=spec.municipality,
                contact_phone=UNREACHABLE_PHONE,
                contact_email="",
            ),
        )
    logins = []
    for username, org_key, role, display_name in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                actor=actor,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display_name,
                email=f"{username}@example.invalid",
                phone=UNREACHABLE_PHONE,
            )
        organisation = orgs[org_key]
        if not Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
            services.membership_add(actor=actor, user=user, organisation=organisation, role=role)
        secret = None
        if second_factor_required({role}):
            key = demo_totp_key(username)
            TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "demo", "key": key})
            secret = base32_secret(key)
        logins.append(DemoLogin(username, role, organisation.name, secret))
    return logins
