"""Every write in accounts: keyword-only, atomic, audited in the same transaction."""

from __future__ import annotations

import copy
import secrets
import uuid
from dataclasses import dataclass, fields

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.accounts import selectors
from tsunagu.accounts.actions import AccountAction
from tsunagu.accounts.models import Membership, Organisation, RecoveryCode, RecoveryCodeDevice, User
from tsunagu.accounts.policy import Role, is_system_administration
from tsunagu.audit.services import AuditActor
from tsunagu.audit.services import record as audit
from tsunagu.core.crypto import blind_index, normalise_phone
from tsunagu.core.validators import normalise_local_government_code

RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class OrganisationData:
    name: str
    name_kana: str
    type: str
    municipality_code: str
    contact_phone: str
    contact_email: str
    description: str = ""
    website: str = ""
    # None keeps the current provenance (a form edit); an import sets both.
    source: str | None = None
    source_id: str | None = None


def _apply(instance: Organisation, data: OrganisationData) -> list[str]:
    changed = []
    for f in fields(data):
        value = getattr(data, f.name)
        if value is None:
            continue
        if f.name == "municipality_code":
            value = normalise_local_government_code(value)
        if getattr(instance, f.name) != value:
            setattr(instance, f.name, value)
            changed.append(f.name)
    return changed


def organisation_changes(*, organisation: Organisation, data: OrganisationData) -> list[str]:
    """The fields `organisation_update` would change, without changing anything (imports check first)."""
    return _apply(copy.copy(organisation), data)


@transaction.atomic
def organisation_create(*, actor: AuditActor, data: OrganisationData, code: uuid.UUID | None = None) -> Organisation:
    """Create an organisation; ``code`` keeps an identifier given by an import (HSDS ``id``)."""
    organisation = Organisation(code=code) if code is not None else Organisation()
    _apply(organisation, data)
    organisation.full_clean()
    organisation.save()
    audit(
        actor=actor,
        action=AccountAction.ORGANISATION_CREATED,
        target_type="organisation",
        target_code=organisation.code,
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor: AuditActor, organisation: Organisation, data: OrganisationData) -> list[str]:
    changed = _apply(organisation, data)
    if changed:
        organisation.updated_at = timezone.now()
        organisation.full_clean()
        organisation.save()
        audit(
            actor=actor,
            action=AccountAction.ORGANISATION_UPDATED,
            target_type="organisation",
            target_code=organisation.code,
            detail={"fields": changed},
        )
    return changed


@transaction.atomic
def organisation_set_active(*, actor: AuditActor, organisation: Organisation, active: bool) -> None:
    if organisation.is_active == active:
        return
    organisation.is_active = active
    organisation.updated_at = timezone.now()
    organisation.save(update_fields=["is_active", "updated_at"])
    audit(
        actor=actor,
        action=AccountAction.ORGANISATION_ACTIVATED if active else AccountAction.ORGANISATION_DEACTIVATED,
        target_type="organisation",
        target_code=organisation.code,
    )


def _set_contact(user: User, *, display_name: str, email: str, phone: str) -> list[str]:
    changed = []
    for name, value in (("display_name", display_name), ("email", email), ("phone", phone)):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    user.phone_index = blind_index(normalise_phone(phone), purpose="user.phone") if phone else ""
    return changed


@transaction.atomic
def user_create(
    *, actor: AuditActor, username: str, password: str, display_name: str = "", email: str = "", phone: str = ""
) -> User:
    user = User(username=username)
    _set_contact(user, display_name=display_name, email=email, phone=phone)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit(actor=actor, action=AccountAction.USER_CREATED, target_type="user", target_code=user.code)
    return user


@transaction.atomic
def user_update_contact(*, actor: AuditActor, user: User, display_name: str, email: str, phone: str) -> list[str]:
    changed = _set_contact(user, display_name=display_name, email=email, phone=phone)
    if changed:
        user.full_clean(exclude=["password"])
        user.save()
        # Names of the fields only: the values are personal data and stay out of the audit trail.
        audit(
            actor=actor,
            action=AccountAction.USER_UPDATED,
            target_type="user",
            target_code=user.code,
            detail={"fields": changed},
        )
    return changed


def _end_other_sessions(user: User) -> None:
    user.security_stamp = uuid.uuid4()


@transaction.atomic
def user_set_active(*, actor: AuditActor, user: User, active: bool) -> None:
    if user.is_active == active:
        return
    if not active and actor.audit_actor_code == user.code:
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    user.is_active = active
    _end_other_sessions(user)
    user.save(update_fields=["is_active", "security_stamp"])
    audit(
        actor=actor,
        action=AccountAction.USER_REACTIVATED if active else AccountAction.USER_DEACTIVATED,
        target_type="user",
        target_code=user.code,
    )


@transaction.atomic
def user_set_password(*, actor: AuditActor, user: User, password: str, by_self: bool) -> None:
    """Sets a new password and ends the user's other sessions (the caller keeps its own, if by_self)."""
    validate_password(password, user)
    user.set_password(password)
    _end_other_sessions(user)
    user.save(update_fields=["password", "security_stamp"])
    audit(
        actor=actor,
        action=AccountAction.PASSWORD_CHANGED if by_self else AccountAction.PASSWORD_RESET,
        target_type="user",
        target_code=user.code,
    )


def _delete_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()


@transaction.atomic
def second_factor_reset(*, actor: AuditActor, user: User) -> None:
    """Removes the user's authenticator and recovery codes; they set up new ones at their next sign-in."""
    _delete_devices(user)
    _end_other_sessions(user)
    user.save(update_fields=["security_stamp"])
    audit(actor=actor, action=AccountAction.SECOND_FACTOR_RESET, target_type="user", target_code=user.code)


@transaction.atomic
def totp_device_start(*, actor: AuditActor, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the setup page (reused until confirmed, so a reload keeps the QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        audit(actor=actor, action=AccountAction.SECOND_FACTOR_SETUP_STARTED, target_type="user", target_code=user.code)
    return device


_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 symbols without look-alikes (0/o, 1/l/i)


def _recovery_code() -> str:
    """Ten symbols, about 50 bits, written as two groups of five."""
    symbols = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"{symbols[:5]}-{symbols[5:]}"


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes")
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, digest=RecoveryCode.digest_of(c)) for c in codes)
    return codes


@transaction.atomic
def totp_device_confirm(*, actor: AuditActor, device: TOTPDevice, token: str) -> list[str]:
    """Confirms the authenticator with a code from it; returns new recovery codes to show once."""
    if device.confirmed or not device.verify_token(token):
        raise ValidationError(
            _("The code is not correct. Check the time on your device and try again."), code="invalid_token"
        )
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(device.user)
    audit(actor=actor, action=AccountAction.SECOND_FACTOR_SET_UP, target_type="user", target_code=device.user.code)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, actor: AuditActor, user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    audit(actor=actor, action=AccountAction.RECOVERY_CODES_REGENERATED, target_type="user", target_code=user.code)
    return codes


@transaction.atomic
def membership_add(*, actor: AuditActor, user: User, organisation: Organisation, role: Role) -> Membership:
    if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        raise ValidationError(_("This user already has this role in this organisation."), code="duplicate")
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    audit(
        actor=actor,
        action=AccountAction.MEMBERSHIP_ADDED,
        target_type="membership",
        target_code=membership.code,
        detail={"user": str(user.code), "organisation": str(organisation.code), "role": str(role)},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: AuditActor, membership: Membership) -> None:
    if is_system_administration(membership.role) and selectors.system_administrators_count() <= 1:
        raise ValidationError(_("The last system administrator cannot be removed."), code="last_admin")
    detail = {
        "user": str(membership.user.code),
        "organisation": str(membership.organisation.code),
        "role": membership.role,
    }
    code = membership.code
    membership.delete()
    audit(
        actor=actor, action=AccountAction.MEMBERSHIP_REMOVED, target_type="membership", target_code=code, detail=detail
    )
