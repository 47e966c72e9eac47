"""Reads of the consultation intake, scoped to what the actor may see (docs/consultations.md, "Access")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, Min, Q, QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.accounts.selectors import members_with
from tsunagu.consultations import access
from tsunagu.consultations.indexes import chat_secret_index, cti_token_index, person_phone_index
from tsunagu.consultations.models import (
    Block,
    Channel,
    Consultation,
    ConsultationDesk,
    Message,
    Person,
    RiskLevel,
    Status,
)
from tsunagu.core.crypto import normalise_phone

# -- the shared queue ----------------------------------------------------------------------------


def queue(*, actor: Actor) -> QuerySet[Consultation]:
    """Waiting contacts the actor may take, while their organisation answers the queue: risk flag
    first, then the longest wait."""
    if not access.may_answer_queue(actor):
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(access.takeable_q(actor))
        .annotate(message_count=Count("messages"))
        .order_by("-risk_flag", "waiting_since", "pk")
    )


def waiting_count(*, actor: Actor) -> int:
    """How many contacts wait for the actor (the figure beside the queue in the navigation): the
    queue's rule in one query, the desk's being open asked in the same statement."""
    if not access.may_handle_consultations(actor):
        return 0
    desk_open = ConsultationDesk.objects.filter(organisation=actor.organisation, is_active=True)
    return Consultation.objects.filter(access.takeable_q(actor), Exists(desk_open)).count()


def open_high_risk_count(*, actor: Actor) -> int:
    """Open high-risk contacts across the consortium (the supervisor's figure in the navigation). Open
    is named as the statuses, not as "not closed", so the count reads the queue index's small range
    of open rows, never the closed millions."""
    return Consultation.objects.filter(
        status__in=[Status.WAITING, Status.ACTIVE], risk_level__gte=RiskLevel.HIGH
    ).count()


def queue_position(consultation: Consultation) -> int:
    """The person's place in the shared queue (1 = next), as the ordering of `queue` counts it."""
    if consultation.status != Status.WAITING:
        return 0
    ahead = Consultation.objects.filter(status=Status.WAITING, transfer_to__isnull=True).filter(
        Q(risk_flag__gt=consultation.risk_flag)
        | Q(risk_flag=consultation.risk_flag, waiting_since__lt=consultation.waiting_since)
        | Q(risk_flag=consultation.risk_flag, waiting_since=consultation.waiting_since, pk__lt=consultation.pk)
    )
    return ahead.count() + 1


def my_conversations(*, actor: Actor) -> QuerySet[Consultation]:
    if actor.user is None:
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(counsellor=actor.user, status=Status.ACTIVE)
        .select_related("organisation")
        .order_by("-risk_level", "taken_at")
    )


def recent(*, actor: Actor, limit: int = 50) -> QuerySet[Consultation]:
    """The newest consultations the actor may see, chats, LINE and logged calls in one list."""
    return (
        Consultation.objects.filter(access.visible_q(actor))
        .select_related("organisation", "counsellor")
        .order_by("-started_at", "-pk")[:limit]
    )


def messages_after(*, consultation: Consultation, after: int, limit: int = 200) -> list[Message]:
    return list(Message.objects.filter(consultation=consultation, seq__gt=after).order_by("seq")[:limit])


def waiting(*, code: UUID) -> Consultation | None:
    """A contact by its code, to take it (whether the actor may is the take's own condition)."""
    return Consultation.objects.filter(code=code, status=Status.WAITING).first()


def consultation_by_pk(pk: int) -> Consultation | None:
    """The consultation a socket or a long poll already follows (its access was checked when it began)."""
    return Consultation.objects.filter(pk=pk).first()


def chat_of_secret(secret: str) -> Consultation | None:
    """The open chat whose secret the browser holds (none for a closed one: it cannot be resumed)."""
    if not secret:
        return None
    return Consultation.objects.filter(
        chat_secret_index=chat_secret_index(secret),
        channel=Channel.WEB_CHAT,
        status__in=[Status.WAITING, Status.ACTIVE],
    ).first()


def chats_started(*, sender_index: str, since: dt.datetime) -> int:
    """How many chats (and LINE conversations) this sender started since ``since`` (the hourly limit)."""
    return Consultation.objects.filter(sender_index=sender_index, started_at__gte=since).count()


def open_line_conversation(*, line_user_index: str) -> Consultation | None:
    """The LINE user's conversation still waiting or going on, if any."""
    return (
        Consultation.objects.filter(
            line_user_index=line_user_index, channel=Channel.LINE, status__in=[Status.WAITING, Status.ACTIVE]
        )
        .order_by("-started_at")
        .first()
    )


def is_blocked(*, sender_index: str, channel: str, at: dt.datetime) -> bool:
    return Block.objects.filter(sender_index=sender_index, channel=channel, until__gt=at).exists()


def counsellors_of(organisation: Organisation) -> list[User]:
    """Active users of the organisation whose roles there answer the queue, by username."""
    members = members_with(organisation=organisation, perm=Perm.CONSULTATION_HANDLE)
    return sorted(members, key=lambda user: user.username)


def people_with_phone(*, organisation: Organisation, phone: str) -> list[Person]:
    """Re-contact: people of the organisation recorded with this phone number (by its blind index)."""
    digits = normalise_phone(phone)
    if not digits:
        return []
    index = person_phone_index(digits)
    return list(Person.objects.filter(organisation=organisation, phone_index=index, erased_at__isnull=True))


def desk_of(organisation: Organisation) -> ConsultationDesk | None:
    return ConsultationDesk.objects.filter(organisation=organisation).first()


def desk_of_cti_token(token: str) -> ConsultationDesk | None:
    """The desk whose telephony system holds this token (by its keyed hash)."""
    if not token.startswith("cti_"):
        return None
    return (
        ConsultationDesk.objects.filter(cti_token_index=cti_token_index(token), organisation__is_active=True)
        .select_related("organisation")
        .first()
    )


# -- the supervisor's dashboard ------------------------------------------------------------------


@dataclass(frozen=True)
class CounsellorLoad:
    name: str
    organisation: str
    active: int


@dataclass(frozen=True)
class Dashboard:
    waiting: int
    waiting_flagged: int
    longest_wait: dt.timedelta | None
    active: int
    loads: list[CounsellorLoad]
    high_risk: list[Consultation]
    today_total: int
    today_by_channel: dict[str, int]
    today_high_risk: int

    @property
    def longest_wait_minutes(self) -> int:
        return int(self.longest_wait.total_seconds() // 60) if self.longest_wait else 0

    @property
    def longest_wait_seconds(self) -> int:
        return int(self.longest_wait.total_seconds() % 60) if self.longest_wait else 0


def dashboard(*, actor: Actor, now: dt.datetime | None = None) -> Dashboard:
    """Live figures for a supervisor: the whole queue (it is shared), the open high-risk contacts
    across the consortium, and their own organisation's counsellors and totals for today."""
    now = now or timezone.now()
    org = actor.organisation
    waiting = Consultation.objects.filter(status=Status.WAITING)
    figures = waiting.aggregate(
        total=Count("pk"), flagged=Count("pk", filter=Q(risk_flag=True)), oldest=Min("waiting_since")
    )
    loads = (
        Consultation.objects.filter(status=Status.ACTIVE, organisation=org)
        .values("counsellor__display_name", "counsellor__username", "organisation__name")
        .annotate(active=Count("pk"))
        .order_by("-active", "counsellor__username")
    )
    local_midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = Consultation.objects.filter(organisation=org, started_at__gte=local_midnight)
    by_channel = dict(today.values_list("channel").annotate(n=Count("pk")).order_by("channel"))
    high = (
        Consultation.objects.filter(risk_level__gte=RiskLevel.HIGH)
        .exclude(status=Status.CLOSED)
        .select_related("organisation", "counsellor")
        .order_by("-risk_level", "started_at")
    )
    return Dashboard(
        waiting=figures["total"],
        waiting_flagged=figures["flagged"],
        longest_wait=(now - figures["oldest"]) if figures["oldest"] else None,
        active=Consultation.objects.filter(status=Status.ACTIVE, organisation=org).count(),
        loads=[
            CounsellorLoad(
                name=row["counsellor__display_name"] or row["counsellor__username"],
                organisation=row["organisation__name"],
                active=row["active"],
            )
            for row in loads
        ],
        high_risk=list(high),
        today_total=sum(by_channel.values()),
        today_by_channel=by_channel,
        today_high_risk=today.filter(risk_level__gte=RiskLevel.HIGH).count(),
    )
