"""Reads of the consultation intake, scoped to what the actor may see (docs/consultations.md, "Access")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from tsunagu.accounts.policy import Actor, Perm
from tsunagu.consultations.models import (
    Consultation,
    ConsultationDesk,
    Message,
    RiskLevel,
    Status,
    Transfer,
)

# -- who may see what ----------------------------------------------------------------------------


def visible_q(actor: Actor) -> Q:
    """The consultations the actor may read: those their organisation handles or handled (a
    transfer keeps the sender's view of what they recorded), those transferred to it, and for a
    supervisor every open high-risk contact across the consortium."""
    if actor.organisation is None or not actor.has(Perm.CONSULTATION_HANDLE):
        return Q(pk__in=[])
    org = actor.organisation
    handled_before = Transfer.objects.filter(from_organisation=org).values("consultation_id")
    q = Q(organisation=org) | Q(transfer_to=org) | Q(pk__in=handled_before)
    if actor.has(Perm.CONSULTATION_SUPERVISE):
        q |= Q(risk_level__gte=RiskLevel.HIGH) & ~Q(status=Status.CLOSED)
    return q


def may_read(actor: Actor, consultation: Consultation) -> bool:
    return Consultation.objects.filter(visible_q(actor), pk=consultation.pk).exists()


def may_write(actor: Actor, consultation: Consultation) -> bool:
    """The counsellor handling it, or a supervisor of the handling organisation."""
    if actor.organisation is None or actor.user is None or consultation.organisation_id != actor.organisation.pk:
        return False
    if consultation.counsellor_id == actor.user.pk:
        return actor.has(Perm.CONSULTATION_HANDLE)
    return actor.has(Perm.CONSULTATION_SUPERVISE)


def may_take(actor: Actor, consultation: Consultation) -> bool:
    if consultation.status != Status.WAITING or actor.organisation is None or actor.user is None:
        return False
    if consultation.transfer_to_id not in (None, actor.organisation.pk):
        return False
    return consultation.transfer_to_user_id in (None, actor.user.pk)


# -- the shared queue ----------------------------------------------------------------------------


def queue(*, actor: Actor) -> QuerySet[Consultation]:
    """Waiting contacts the actor's organisation may take: risk flag first, then the longest wait."""
    if actor.organisation is None or not actor.has(Perm.CONSULTATION_HANDLE):
        return Consultation.objects.none()
    org = actor.organisation
    if not ConsultationDesk.objects.filter(organisation=org, is_active=True).exists():
        return Consultation.objects.none()
    mine = (
        Q(transfer_to__isnull=True) | Q(transfer_to=org, transfer_to_user__isnull=True) | Q(transfer_to_user=actor.user)
    )
    return (
        Consultation.objects.filter(mine, status=Status.WAITING)
        .annotate(message_count=Count("messages"))
        .order_by("-risk_flag", "waiting_since", "pk")
    )


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
        Consultation.objects.filter(visible_q(actor))
        .select_related("organisation", "counsellor")
        .order_by("-started_at", "-pk")[:limit]
    )


def messages_after(*, consultation: Consultation, after: int, limit: int = 200) -> list[Message]:
    return list(Message.objects.filter(consultation=consultation, seq__gt=after).order_by("seq")[:limit])


def detail(*, code: UUID | str) -> Consultation | None:
    return (
        Consultation.objects.select_related("organisation", "counsellor", "person", "transfer_to", "transfer_to_user")
        .prefetch_related("concerns", "services_given", "assessments__assessed_by", "risk_steps__taken_by")
        .prefetch_related("transfers__from_organisation", "transfers__from_user", "transfers__to_organisation")
        .filter(code=code)
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
