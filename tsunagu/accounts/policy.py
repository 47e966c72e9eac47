"""Roles and what they may do: the one place where role → permission is decided.

Roles are data (``Membership.role`` rows per organisation); permissions are what code checks.
Each app's ``access.py`` asks ``actor.has(Perm.X)`` and never looks at roles itself. Later apps
add their permissions here, next to the roles that hold them, so the matrix stays in one table
(rendered in docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from tsunagu.accounts.models import Organisation, User


class Role(models.TextChoices):
    COUNSELLOR = "counsellor", _("Counsellor")
    SUPERVISOR = "supervisor", _("Supervisor")
    SUPPORT_WORKER = "support_worker", _("Support worker")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    COUNCIL_MEMBER = "council_member", _("Council member")
    COUNCIL_SECRETARIAT = "council_secretariat", _("Council secretariat")
    PLATFORM_MEMBER = "platform_member", _("Platform member")
    PLATFORM_SECRETARIAT = "platform_secretariat", _("Platform secretariat")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Perm(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    ORGANISATION_MANAGE = "organisation.manage"
    USER_MANAGE = "user.manage"
    USER_PERSONAL_DATA_VIEW = "user.personal_data.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_VERIFY = "audit.verify"
    # The support directory (tsunagu/directory).
    DIRECTORY_VIEW = "directory.view"
    # Edit the services and locations of the organisation one acts for.
    DIRECTORY_EDIT_OWN = "directory.edit_own"
    # Curate the whole directory (the council's or platform's secretariat, the system admin).
    DIRECTORY_EDIT_ANY = "directory.edit_any"
    DIRECTORY_IMPORT = "directory.import"
    # See a confidential location's address (DV shelters) of any organisation. Members of the owning
    # organisation who may edit it see it too (directory/access.py).
    DIRECTORY_CONFIDENTIAL_VIEW = "directory.confidential.view"
    # The public portal (tsunagu/portal): edit the reading override dictionary of やさしい日本語 furigana.
    PORTAL_READINGS_EDIT = "portal.readings.edit"
    # The unified consultation intake (tsunagu/consultations): answer the shared queue, record
    # consultations of one's own organisation.
    CONSULTATION_HANDLE = "consultation.handle"
    # Supervise it: the live dashboard, high-risk alerts across the consortium, every consultation
    # of one's own organisation.
    CONSULTATION_SUPERVISE = "consultation.supervise"
    # Set whether one's organisation answers the shared queue, and its on-duty hours.
    CONSULTATION_SETTINGS_MANAGE = "consultation.settings.manage"
    # Referrals (tsunagu/referrals): record a person's consent to share and refer them, from one's
    # own organisation's records.
    REFERRAL_SEND = "referral.send"
    # Receive referrals sent to one's organisation: see what was shared, accept, report the outcome.
    REFERRAL_RECEIVE = "referral.receive"
    # Approve (as the second person) sharing without consent under APPI Art. 27(1) / Art. 69.
    SHARING_EXCEPTION_APPROVE = "sharing_exception.approve"
    # The organisation's provision ledger (提供記録): search, export for a disclosure request, and the
    # report of provisions without consent.
    PROVISION_LEDGER_VIEW = "provision_ledger.view"


_EVERY_STAFF = {Perm.DASHBOARD_VIEW, Perm.DIRECTORY_VIEW}
# The curators of the public directory also curate what the portal shows about it.
_DIRECTORY_CURATOR = {Perm.DIRECTORY_EDIT_ANY, Perm.DIRECTORY_IMPORT, Perm.PORTAL_READINGS_EDIT}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.COUNSELLOR: frozenset(_EVERY_STAFF | {Perm.CONSULTATION_HANDLE, Perm.REFERRAL_SEND}),
    Role.SUPERVISOR: frozenset(
        _EVERY_STAFF
        | {
            Perm.DIRECTORY_EDIT_OWN,
            Perm.CONSULTATION_HANDLE,
            Perm.CONSULTATION_SUPERVISE,
            Perm.CONSULTATION_SETTINGS_MANAGE,
            Perm.REFERRAL_SEND,
            Perm.REFERRAL_RECEIVE,
            Perm.SHARING_EXCEPTION_APPROVE,
            Perm.PROVISION_LEDGER_VIEW,
        }
    ),
    Role.SUPPORT_WORKER: frozenset(_EVERY_STAFF | {Perm.REFERRAL_SEND, Perm.REFERRAL_RECEIVE}),
    # The administrator answers the person's disclosure request from the ledger (APPI Art. 33).
    Role.ORG_ADMIN: frozenset(
        _EVERY_STAFF | {Perm.DIRECTORY_EDIT_OWN, Perm.CONSULTATION_SETTINGS_MANAGE, Perm.PROVISION_LEDGER_VIEW}
    ),
    Role.COUNCIL_MEMBER: frozenset(_EVERY_STAFF),
    Role.COUNCIL_SECRETARIAT: frozenset(_EVERY_STAFF | _DIRECTORY_CURATOR | {Perm.DIRECTORY_CONFIDENTIAL_VIEW}),
    Role.PLATFORM_MEMBER: frozenset(_EVERY_STAFF),
    # The platform never handles personal or confidential data: it curates the public directory
    # but does not see confidential addresses.
    Role.PLATFORM_SECRETARIAT: frozenset(_EVERY_STAFF | _DIRECTORY_CURATOR),
    Role.AUDITOR: frozenset(_EVERY_STAFF | {Perm.AUDIT_VIEW, Perm.AUDIT_VERIFY}),
    Role.SYSTEM_ADMIN: frozenset(
        _EVERY_STAFF
        | _DIRECTORY_CURATOR
        | {
            Perm.ORGANISATION_MANAGE,
            Perm.USER_MANAGE,
            Perm.USER_PERSONAL_DATA_VIEW,
            Perm.DIRECTORY_CONFIDENTIAL_VIEW,
        }
    ),
}


def roles_with(perm: Perm) -> frozenset[Role]:
    """The roles that grant ``perm`` (to find, say, every member of an organisation who may receive referrals)."""
    return frozenset(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)


def is_system_administration(role: Role | str) -> bool:
    """The role that keeps tsunagu administered: the last active holder may not be removed."""
    return role == Role.SYSTEM_ADMIN


# The public-private platform never handles personal case data (孤独・孤立対策推進法; security.md),
# so only its roles may sign in without a second factor. Every other role can see personal data.
ROLES_WITHOUT_PERSONAL_DATA: frozenset[Role] = frozenset({Role.PLATFORM_MEMBER, Role.PLATFORM_SECRETARIAT})


def second_factor_required(roles: set[Role] | frozenset[Role]) -> bool:
    """True when any role the user holds, in any organisation, can see personal data."""
    return any(role not in ROLES_WITHOUT_PERSONAL_DATA for role in roles)


@dataclass(frozen=True)
class Actor:
    """Who is acting, for which organisation, with which roles there. Built once per request."""

    user: User | None
    organisation: Organisation | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    def has(self, perm: Perm) -> bool:
        return any(perm in ROLE_PERMISSIONS[role] for role in self.roles)

    # tsunagu.audit.services.AuditActor
    @property
    def audit_actor_code(self) -> UUID | None:
        return self.user.code if self.user is not None else None

    @property
    def audit_actor_label(self) -> str:
        return self.user.username if self.user is not None else "anonymous"

    @property
    def audit_org_code(self) -> UUID | None:
        return self.organisation.code if self.organisation is not None else None


ANONYMOUS = Actor(user=None)
