from __future__ import annotations

import hmac
import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_otp.models import Device

from tsunagu.accounts.policy import Role
from tsunagu.core.crypto import blind_index
from tsunagu.core.fields import EncryptedTextField
from tsunagu.core.validators import validate_local_government_code


class OrganisationType(models.TextChoices):
    # The kinds of bodies named in the seeds (官民連携プラットフォームの参画団体).
    GOVERNMENT = "government", _("Government (responsible department)")
    SOCIAL_WELFARE_COUNCIL = "social_welfare_council", _("Council of social welfare")
    SOCIAL_WELFARE_CORPORATION = "social_welfare_corporation", _("Social welfare corporation")
    NPO = "npo", _("NPO / citizens' group")
    HEALTH_MEDICAL = "health_medical", _("Health or medical institution")
    NATIONAL_HELPLINE = "national_helpline", _("National consultation organisation (phone / SNS)")
    COMPANY = "company", _("Private company")
    FINANCIAL_POSTAL = "financial_postal", _("Financial institution / post office")
    NEIGHBOURHOOD_ASSOCIATION = "neighbourhood_association", _("Neighbourhood association")
    COMMISSIONED_WELFARE_VOLUNTEER = "welfare_volunteer", _("Commissioned welfare volunteers")
    COOPERATIVE = "cooperative", _("Cooperative")
    EDUCATION = "education", _("Educational institution")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=200)
    name_kana = models.CharField(pgettext_lazy("organisation", "name (kana)"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=32, choices=OrganisationType.choices)
    municipality_code = models.CharField(
        _("local government code"),
        max_length=6,
        blank=True,
        validators=[validate_local_government_code],
        help_text=_("6-digit code with check digit; blank for national organisations."),
    )
    # An organisation's public contact details, not personal data.
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # What the public directory shows about the organisation (HSDS organization).
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("web site"), max_length=500, blank=True)
    # Provenance of an organisation created by a directory import; re-import finds it by these.
    source = models.CharField(_("source"), max_length=64, blank=True)
    source_id = models.CharField(_("identifier in the source"), max_length=128, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name_kana", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=OrganisationType.values), name="organisation_type_valid"
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source=""),
                name="organisation_source_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):  # type: ignore[django-manager-missing]
    """A staff member. Residents never have accounts.

    Name and contact details are personal data: encrypted at rest, shown only to roles with
    ``user.personal_data.view`` and every display audited. ``security_stamp`` is part of the
    session hash, so rotating it ends every other session of the user (password or second-factor
    change, deactivation, administrator reset).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    username = models.CharField(
        _("username"),
        max_length=64,
        unique=True,
        validators=[ASCIIUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    display_name = EncryptedTextField(pgettext_lazy("person", "name"), max_length=100, blank=True)
    email = EncryptedTextField(_("e-mail"), max_length=254, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=32, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    security_stamp = models.UUIDField(default=uuid.uuid4, editable=False)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "tsunagu.accounts.User.session_auth_hash"
        value = f"{self.password}\x00{self.security_stamp}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Membership(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}: {self.role}"


def _digest(token: str) -> str:
    # Keyed (the blind-index key lives outside the database), so a copy of the database alone
    # does not allow the 50-bit codes to be brute-forced.
    return blind_index(token.strip().replace(" ", "").replace("-", "").lower(), purpose="recovery_code")


class RecoveryCodeDevice(Device):  # type: ignore[misc]  # django-otp ships no type hints
    """One-time recovery codes, stored as keyed HMAC digests (django-otp's static device keeps plaintext)."""

    def verify_token(self, token: Any) -> bool:
        if not isinstance(token, str) or not token.strip():
            return False
        digest = _digest(token)
        for code in self.codes.all():
            if hmac.compare_digest(code.digest, digest):
                code.delete()  # one use only
                return True
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return "recovery code (hashed)"

    @classmethod
    def digest_of(cls, token: str) -> str:
        return _digest(token)
