"""Who is told about a referral, and how: the inbox row now, an e-mail without personal data after
the commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.accounts.selectors import members_in_roles, members_with
from tsunagu.referrals import access
from tsunagu.referrals.models import Notification, NotificationKind, Referral


def receivers(organisation: Organisation) -> list[User]:
    return members_with(organisation=organisation, perm=Perm.REFERRAL_RECEIVE)


def approvers(organisation: Organisation) -> list[User]:
    return members_with(organisation=organisation, perm=Perm.SHARING_EXCEPTION_APPROVE)


def supervisors(organisation: Organisation) -> list[User]:
    """Those who receive referrals and supervise: the recipient's supervisors, for escalations."""
    receiving = {u.pk for u in receivers(organisation)}
    return [u for u in approvers(organisation) if u.pk in receiving]


def senders(referral: Referral) -> list[User]:
    """The person who referred, and the sending organisation's supervisors (the loop closes there)."""
    users = {referral.from_user_id: referral.from_user}
    for user in approvers(referral.from_organisation):
        users.setdefault(user.pk, user)
    return [u for u in users.values() if u.is_active]


def told_of_release_without_consent(organisation: Organisation) -> list[User]:
    return members_in_roles(organisation=organisation, roles=access.TOLD_OF_RELEASE_WITHOUT_CONSENT)


def notification_path(kind: str, referral: Referral) -> str:
    """Where a notification leads: the referral, or for administrators told of a provision without
    consent, the report they review it in (they do not open referrals)."""
    if kind == NotificationKind.EXCEPTION_RELEASED:
        return reverse("referrals:exceptions")
    return reverse("referrals:detail", kwargs={"code": referral.code})


def notify(users: Iterable[User], organisation: Organisation, kind: str, referral: Referral) -> None:
    """The inbox row now; the e-mail after the commit. The e-mail holds no personal data: a link."""
    users = list(users)
    Notification.objects.bulk_create(
        Notification(user=u, organisation=organisation, kind=kind, referral=referral) for u in users
    )
    addresses = [u.email for u in users if u.email]
    if not addresses:
        return
    url = settings.TSUNAGU_BASE_URL + notification_path(kind, referral)

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            subject = "[tsunagu] " + str(NotificationKind(kind).label)
            body = gettext("There is news about a referral in tsunagu. Sign in to see it:") + f"\n{url}\n"
        for address in addresses:
            send_mail(subject, body, None, [address], fail_silently=True)

    transaction.on_commit(send)


@transaction.atomic
def notifications_read(*, actor: Actor, referral: Referral) -> None:
    if actor.user is not None:
        Notification.objects.filter(user=actor.user, referral=referral, read_at__isnull=True).update(
            read_at=timezone.now()
        )
