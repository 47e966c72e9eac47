"""Who may see and change a consultation: the one place where the intake's rules are written
(docs/consultations.md, "Access"; docs/architecture.md, "Rules").

The rules are predicates on the actor (and a consultation), and, where a list must be scoped, the
same rule as a query (``visible_q``, ``takeable_q``). Three kinds of caller ask them: the views,
through ``access_consultation`` (a consultation the actor may not read is a 404, whether or not it
exists; one they may read but not change is a 403; either writes its one "denied" row); the
services, which raise ``Refused`` (audited after the rollback); and the WebSocket consumers,
through ``socket_consultation``. Every display of a consultation writes a ``consultation.read``
row naming what was shown, never the contents.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest

from tsunagu.accounts.access import actor_of, deny, not_found
from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.audit.services import record
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import (
    Consultation,
    ConsultationDesk,
    Participant,
    Person,
    RiskLevel,
    Status,
    Transfer,
)

# -- rules --------------------------------------------------------------------------------------


def may_handle_consultations(actor: Actor) -> bool:
    """Counsellors and supervisors: answer the shared queue, log calls, record consultations."""
    return actor.organisation is not None and actor.has(Perm.CONSULTATION_HANDLE)


def may_supervise(actor: Actor) -> bool:
    """The live dashboard, high-risk alerts across the consortium."""
    return may_handle_consultations(actor) and actor.has(Perm.CONSULTATION_SUPERVISE)


def may_manage_desk(actor: Actor) -> bool:
    """Whether the organisation answers the shared queue, its on-duty hours, its phone-system token."""
    return actor.organisation is not None and actor.has(Perm.CONSULTATION_SETTINGS_MANAGE)


def desk_is_open(organisation: Organisation | None) -> bool:
    """The organisation answers the shared queue (its desk is switched on)."""
    return (
        organisation is not None and ConsultationDesk.objects.filter(organisation=organisation, is_active=True).exists()
    )


def may_answer_queue(actor: Actor) -> bool:
    return may_handle_consultations(actor) and desk_is_open(actor.organisation)


def visible_q(actor: Actor) -> Q:
    """The consultations the actor may read: those their organisation handles or handled (a
    transfer keeps the sender's view of what they recorded), those transferred to it, and for a
    supervisor every open high-risk contact across the consortium."""
    if not may_handle_consultations(actor):
        return Q(pk__in=[])
    org = actor.organisation
    handled_before = Transfer.objects.filter(from_organisation=org).values("consultation_id")
    q = Q(organisation=org) | Q(transfer_to=org) | Q(pk__in=handled_before)
    if may_supervise(actor):
        q |= Q(risk_level__gte=RiskLevel.HIGH) & ~Q(status=Status.CLOSED)
    return q


def may_read_consultation(actor: Actor, consultation: Consultation) -> bool:
    return Consultation.objects.filter(visible_q(actor), pk=consultation.pk).exists()


def may_write_consultation(actor: Actor, consultation: Consultation) -> bool:
    """The counsellor handling it, while their role still lets them handle consultations, or a
    supervisor of the handling organisation."""
    if not may_handle_consultations(actor) or actor.user is None or actor.organisation is None:
        return False
    if consultation.organisation_id != actor.organisation.pk:
        return False
    return consultation.counsellor_id == actor.user.pk or may_supervise(actor)


def handover_pending(consultation: Consultation) -> bool:
    """A warm transfer was offered and nobody has joined yet: the first counsellor still handles it."""
    return consultation.status == Status.ACTIVE and consultation.transfer_to_id is not None


def takeable_q(actor: Actor) -> Q:
    """Contacts the actor may take: waiting ones from the shared queue (or transferred there before
    handovers were warm), and conversations whose handler offers a handover to the actor's
    organisation: to anyone there, to them by name, or (a high-risk handover to nobody by name)
    to its supervisors."""
    if not may_handle_consultations(actor) or actor.user is None:
        return Q(pk__in=[])
    for_us = Q(transfer_to__isnull=True) | Q(transfer_to=actor.organisation)
    for_me = Q(transfer_to_user__isnull=True) | Q(transfer_to_user=actor.user)
    if not may_supervise(actor):
        for_me &= Q(transfer_to_supervisors=False)
    waiting = Q(status=Status.WAITING) & for_us & for_me
    offered = Q(status=Status.ACTIVE, transfer_to=actor.organisation) & for_me & ~Q(counsellor=actor.user)
    return waiting | offered


def may_reply(actor: Actor, consultation: Consultation) -> bool:
    """Who writes to the person: the counsellor handling the conversation, or a supervisor of the
    handling organisation who joined it openly (the person is told, and sees the role's name)."""
    if not may_write_consultation(actor, consultation) or actor.user is None:
        return False
    if consultation.counsellor_id == actor.user.pk:
        return True
    return Participant.objects.filter(consultation=consultation, user=actor.user).exists()


def may_join_openly(actor: Actor, consultation: Consultation) -> bool:
    """A supervisor of the handling organisation may join a conversation going on, openly."""
    return (
        consultation.status == Status.ACTIVE
        and may_supervise(actor)
        and may_write_consultation(actor, consultation)
        and actor.user is not None
        and consultation.counsellor_id != actor.user.pk
    )


def may_note(actor: Actor, consultation: Consultation) -> bool:
    """A private note between staff (never shown to the person): the handler, or a supervisor who
    may read the conversation."""
    if actor.user is None or not may_read_consultation(actor, consultation):
        return False
    return consultation.counsellor_id == actor.user.pk or may_supervise(actor)


def may_use_person(actor: Actor, person: Person) -> bool:
    """A person's record belongs to the organisation that recorded it, until it is erased."""
    return (
        actor.organisation is not None and person.organisation_id == actor.organisation.pk and person.erased_at is None
    )


# -- doors of views and sockets -----------------------------------------------------------------


def _load(code: UUID | str) -> Consultation | None:
    try:
        return (
            Consultation.objects.select_related(
                "organisation", "counsellor", "person", "transfer_to", "transfer_to_user"
            )
            .prefetch_related("concerns", "services_given", "assessments__assessed_by", "risk_steps__taken_by")
            .prefetch_related("transfers__from_organisation", "transfers__from_user", "transfers__to_organisation")
            .filter(code=code)
            .first()
        )
    except ValidationError:  # not a UUID (a socket's path is checked by its route, a page's by its URL)
        return None


def access_consultation(request: HttpRequest, code: UUID, *, write: bool = False) -> Consultation:
    actor = actor_of(request)
    consultation = _load(code)
    if consultation is None or not may_read_consultation(actor, consultation):
        raise not_found(request, target_type="consultation", target_code=str(code))
    if write and not may_write_consultation(actor, consultation):
        deny(request, reason="not_handler", target_type="consultation", target_code=str(code))
        raise PermissionDenied
    return consultation


def record_read(actor: Actor, consultation: Consultation, *, what: str) -> None:
    record(
        actor=actor,
        action=ConsultationAction.READ,
        target_type="consultation",
        target_code=consultation.code,
        detail={"what": what},
    )


def socket_consultation(actor: Actor | None, code: str) -> Consultation | None:
    """The consultation a staff socket follows, or None (the socket is then closed): the same rule
    as the page, checked at every (re)connection. The socket writes its ``consultation.read`` row
    ("the live conversation") when it first shows the conversation, once per page view: a
    reconnect of the same page names the token that row gave it (consumers.py, ``stream_read``)."""
    if actor is None or not may_handle_consultations(actor):
        return None
    consultation = _load(code)
    if consultation is None or not may_read_consultation(actor, consultation):
        return None
    return consultation
