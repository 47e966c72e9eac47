"""Reads for accounts. Every function takes keyword arguments and returns only what its caller may show."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.accounts.models import Membership, Organisation, User
from tsunagu.accounts.policy import Actor, Perm, Role, roles_with
from tsunagu.core.text import contains_any


def roles_of_user(*, user: User) -> frozenset[Role]:
    """Every role in every active organisation: decides whether a second factor is required."""
    roles = Membership.objects.filter(user=user, organisation__is_active=True).values_list("role", flat=True)
    return frozenset(Role(role) for role in roles)


def active_memberships(*, user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user, organisation__is_active=True).select_related("organisation"))


def organisations_of_user(*, user: User) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for membership in active_memberships(user=user):
        seen.setdefault(membership.organisation_id, membership.organisation)
    return sorted(seen.values(), key=lambda org: (org.name_kana, org.name))


def actor_for(*, user: User, organisation_code: str | None) -> Actor:
    """The actor for a signed-in user. Without a chosen organisation, the only one if there is one."""
    memberships = active_memberships(user=user)
    org_codes = {str(m.organisation.code) for m in memberships}
    if organisation_code not in org_codes:
        organisation_code = next(iter(org_codes)) if len(org_codes) == 1 else None
    if organisation_code is None:
        return Actor(user=user)
    chosen = [m for m in memberships if str(m.organisation.code) == organisation_code]
    return Actor(user=user, organisation=chosen[0].organisation, roles=frozenset(Role(m.role) for m in chosen))


def organisation_list(*, query: str = "", type: str = "", active: bool | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    if query:
        qs = qs.filter(contains_any(query, "name", "name_kana"))
    if type:
        qs = qs.filter(type=type)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def active_organisations_by_code(*, codes: list[str]) -> list[Organisation]:
    """The active organisations among ``codes``; malformed codes are ignored, not errors."""
    valid = []
    for code in codes[:10]:
        try:
            valid.append(UUID(code))
        except ValueError:
            continue
    return list(Organisation.objects.filter(code__in=valid, is_active=True))


def organisation_get(*, code: UUID) -> Organisation | None:
    return Organisation.objects.filter(code=code).first()


def user_list(*, query: str = "") -> QuerySet[User]:
    qs = User.objects.all().prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("organisation")),
        Prefetch("totpdevice_set", queryset=TOTPDevice.objects.filter(confirmed=True), to_attr="confirmed_totp"),
    )
    if query:
        qs = qs.filter(username__icontains=query)
    return qs


def user_get(*, code: UUID) -> User | None:
    return (
        User.objects.filter(code=code)
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("organisation")))
        .first()
    )


def user_has_second_factor(*, user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def membership_get(*, code: UUID) -> Membership | None:
    return Membership.objects.filter(code=code).select_related("user", "organisation").first()


def members_with(*, organisation: Organisation, perm: Perm) -> list[User]:
    """Active users whose roles in ``organisation`` grant ``perm``, in a stable order."""
    ids = Membership.objects.filter(organisation=organisation, role__in=roles_with(perm)).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def members_in_roles(*, organisation: Organisation, roles: frozenset[Role]) -> list[User]:
    ids = Membership.objects.filter(organisation=organisation, role__in=roles).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def organisations_with(*, perm: Perm) -> QuerySet[Organisation]:
    """Active organisations with an active member whose role grants ``perm``."""
    members = Membership.objects.filter(role__in=roles_with(perm), user__is_active=True).values("organisation_id")
    return Organisation.objects.filter(pk__in=members, is_active=True).order_by("name")


def system_administrators_count() -> int:
    return Membership.objects.filter(role=Role.SYSTEM_ADMIN, user__is_active=True).count()


def active_user(*, pk: int) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).first()


def demo_devices() -> list[TOTPDevice]:
    """Demo mode only: the demo users' authenticators, to show their current codes on the sign-in page."""
    return list(TOTPDevice.objects.filter(user__username__startswith="demo-", confirmed=True).select_related("user"))
