"""Reads of the consultation intake, scoped to what the actor may see (docs/consultations.md, "Access")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Min, Q, QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.accounts.selectors import members_with
from tsunagu.consultations import access
from tsunagu.consultations.indexes import chat_secret_index, cti_token_index, person_phone_index
from tsunagu.consultations.models import (
    Alert,
    AlertContact,
    Block,
    Channel,
    Consultation,
    ConsultationDesk,
    Message,
    Participant,
    Person,
    RiskLevel,
    Status,
    Transfer,
)
from tsunagu.core.crypto import normalise_phone

# -- the shared queue ----------------------------------------------------------------------------


def queue(*, actor: Actor) -> QuerySet[Consultation]:
    """Waiting contacts the actor may take, while their organisation answers the queue: risk flag
    first, then the longest wait."""
    if not access.may_answer_queue(actor):
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(access.takeable_q(actor), status=Status.WAITING)
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


def messages_after(*, consultation: Consultation, after: int, limit: int = 200, staff: bool = False) -> list[Message]:
    """The conversation after ``after``; the person's side never reads staff-only notes."""
    found = Message.objects.filter(consultation=consultation, seq__gt=after)
    found = found.select_related("author") if staff else found.filter(staff_only=False)
    return list(found.order_by("seq")[:limit])


def handovers_offered(*, actor: Actor) -> QuerySet[Consultation]:
    """Conversations whose handler offers a handover to the actor (by name, to their organisation,
    or to its supervisors): read the note and the conversation, then join."""
    if not access.may_answer_queue(actor):
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(access.takeable_q(actor), status=Status.ACTIVE)
        .select_related("organisation", "counsellor")
        .order_by("-risk_level", "updated_at", "pk")
    )


def handovers_due(*, before: dt.datetime) -> list[Consultation]:
    """Handovers offered before ``before`` that nobody joined and that have not escalated yet."""
    pending = Transfer.objects.filter(
        taken_at__isnull=True, cancelled_at__isnull=True, escalated_at__isnull=True, created_at__lte=before
    ).values("consultation_id")
    return list(Consultation.objects.filter(pk__in=pending, status=Status.ACTIVE, transfer_to__isnull=False))


def pending_transfer(consultation: Consultation) -> Transfer | None:
    return (
        Transfer.objects.filter(consultation=consultation, taken_at__isnull=True, cancelled_at__isnull=True)
        .select_related("from_user", "from_organisation", "to_organisation", "to_user")
        .order_by("-created_at")
        .first()
    )


def has_joined(*, consultation: Consultation, user: User | None) -> bool:
    return user is not None and Participant.objects.filter(consultation=consultation, user=user).exists()


def waiting(*, code: UUID) -> Consultation | None:
    """A contact by its code, to take it (whether the actor may is the take's own condition)."""
    return Consultation.objects.filter(code=code, status=Status.WAITING).first()


def takeable(*, actor: Actor, code: UUID) -> Consultation | None:
    """A contact the actor may take now (waiting, or a handover offered to them), by its code."""
    return Consultation.objects.filter(access.takeable_q(actor), code=code).first()


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


def supervisors_of(organisation: Organisation) -> list[User]:
    """Active users of the organisation whose roles there supervise the queue."""
    return sorted(members_with(organisation=organisation, perm=Perm.CONSULTATION_SUPERVISE), key=lambda u: u.username)


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
    # Staff replies LINE did not accept, in the organisation's open conversations (each can be sent again).
    line_failed: int = 0
    line_failed_in: list[Consultation] = field(default_factory=list)

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
    open_here = Consultation.objects.filter(organisation=org).exclude(status=Status.CLOSED)
    failed = Message.objects.filter(consultation__in=open_here, delivery="failed")
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
        line_failed=failed.count(),
        line_failed_in=list(
            Consultation.objects.filter(pk__in=failed.values("consultation_id"))
            .select_related("counsellor")
            .order_by("started_at", "pk")[:20]
        ),
    )


# -- alerts (docs/consultations.md, "Alerts") ----------------------------------------------------

#: At most this many open alerts in the banner (oldest first); the alerts page lists the rest.
ALERT_BANNER_LIMIT = 10


def _through(q: Q, prefix: str) -> Q:
    """A rule written as a query on consultations (``access.visible_q``) applied to a model that
    points at a consultation: every lookup gets ``prefix`` (``organisation`` → ``consultation__organisation``),
    so the rule is evaluated on the joined row, never as a scan of all consultations."""
    rewritten = Q()
    rewritten.connector, rewritten.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            rewritten.children.append(_through(child, prefix))
        else:
            lookup, value = cast(tuple[str, object], child)
            rewritten.children.append((f"{prefix}__{lookup}", value))
    return rewritten


def _visible_alerts(actor: Actor) -> QuerySet[Alert]:
    """Alerts on the consultations the actor may read (the consultation's rule, nothing more)."""
    return Alert.objects.filter(_through(access.visible_q(actor), "consultation"))


_BANNER_FIELDS = (
    "code",
    "kind",
    "raised_at",
    "shown_at",
    "consultation__code",
    "consultation__channel",
    "consultation__risk_level",
    "consultation__status",
    "consultation__organisation__name",
)


def open_alerts(*, actor: Actor, limit: int = ALERT_BANNER_LIMIT) -> list[Alert]:
    """The banner on every staff page: the open alerts a supervisor on duty may see, oldest first.
    On duty = a supervisor acting for an organisation whose desk answers the shared queue. One
    query (the desk's being open is asked in the same statement; the open alerts are read through
    the partial index ``alert_open``), and none at all for anyone who does not supervise."""
    if not access.may_supervise(actor):
        return []
    desk_open = ConsultationDesk.objects.filter(organisation=actor.organisation, is_active=True)
    return list(
        _visible_alerts(actor)
        .filter(Exists(desk_open), acknowledged_at__isnull=True)
        .select_related("consultation", "consultation__organisation")
        .only(*_BANNER_FIELDS)
        .order_by("raised_at", "pk")[:limit]
    )


def alerts_recent(*, actor: Actor, since: dt.datetime, limit: int = 100) -> list[Alert]:
    """Alerts raised since ``since`` that the supervisor may see, open or acknowledged, newest first
    (the alerts page and the dashboard)."""
    if not access.may_supervise(actor):
        return []
    return list(
        _visible_alerts(actor)
        .filter(Q(raised_at__gte=since) | Q(acknowledged_at__isnull=True))
        .select_related("consultation", "consultation__organisation", "acknowledged_by")
        .order_by("-raised_at", "-pk")[:limit]
    )


def alert_for(*, actor: Actor, code: UUID | str) -> Alert | None:
    """One alert by its code, if the actor supervises and may read its consultation."""
    if not access.may_supervise(actor):
        return None
    try:
        return _visible_alerts(actor).select_related("consultation").filter(code=code).first()
    except ValidationError:  # not a UUID
        return None


def alerts_due(*, raised_before: dt.datetime) -> list[Alert]:
    """Open alerts raised before ``raised_before`` that have not been escalated yet."""
    return list(
        Alert.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True, raised_at__lte=raised_before)
        .select_related("consultation")
        .order_by("raised_at", "pk")
    )


def alert_contacts_of(desk: ConsultationDesk) -> list[AlertContact]:
    """A desk's escalation list, as saved (including anyone who has since lost the role)."""
    return list(AlertContact.objects.filter(desk=desk).select_related("user").order_by("user__username"))


def _current_contacts(desk: ConsultationDesk) -> list[AlertContact]:
    supervising = {user.pk for user in supervisors_of(desk.organisation)}
    return [contact for contact in alert_contacts_of(desk) if contact.user_id in supervising]


def _contacts_of_desks(desks: QuerySet[ConsultationDesk]) -> list[AlertContact]:
    found: dict[int, AlertContact] = {}
    for desk in desks.select_related("organisation").order_by("pk"):
        for contact in _current_contacts(desk):
            found.setdefault(contact.user_id, contact)
    return list(found.values())


def escalation_contacts(*, alert: Alert) -> list[AlertContact]:
    """Who an unacknowledged alert goes to: the escalation lists of the desk handling the
    consultation and of the desk it is being handed to (a handover), keeping only people who still
    supervise there; if those lists are empty, the lists of every desk that answers the queue, so an
    alert never escalates to nobody while anyone is on a list."""
    consultation = alert.consultation
    organisation_ids = {pk for pk in (consultation.organisation_id, consultation.transfer_to_id) if pk}
    contacts = _contacts_of_desks(ConsultationDesk.objects.filter(organisation_id__in=organisation_ids))
    return contacts or _contacts_of_desks(ConsultationDesk.objects.filter(is_active=True))
