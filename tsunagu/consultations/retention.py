"""Retention (docs/consultations.md, "Retention"): a configurable period after the last contact,
personal details are erased and a consultation is kept only as anonymous statistics.

What is erased: a person's every personal field and the phone's blind index; a consultation's
summary, free words, messages, LINE and caller identifiers and the blind indexes that could
recognise the sender again; the notes of its risk assessments, emergency steps and transfers; and
the sender's keyed hash and the reason of a block that has ended.
What stays: channel, times, handling organisation, concerns (the taxonomy), who consulted (self /
family …), risk level, outcome and follow-up date — the figures the statistics count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tsunagu.audit.services import AuditActor, record
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import (
    Block,
    Consultation,
    Message,
    Person,
    RiskAssessment,
    RiskStep,
    Status,
    Transfer,
)
from tsunagu.consultations.services import PERSON_FIELDS


@dataclass(frozen=True)
class Erased:
    people: int
    consultations: int
    messages: int


def cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.TSUNAGU_CONSULTATION_RETENTION_DAYS)


@transaction.atomic
def erase_expired(*, actor: AuditActor, now: dt.datetime | None = None) -> Erased:
    now = now or timezone.now()
    limit = cutoff(now)
    people = Person.objects.filter(erased_at__isnull=True, last_contact_at__lt=limit)
    people_count = people.update(**dict.fromkeys(PERSON_FIELDS, ""), phone_index="", erased_at=now)
    expired = Consultation.objects.filter(erased_at__isnull=True, status=Status.CLOSED).filter(
        Q(ended_at__lt=limit) | Q(ended_at__isnull=True, started_at__lt=limit)
    )
    ids = list(expired.values_list("pk", flat=True))
    messages = Message.objects.filter(consultation_id__in=ids).delete()[0]
    RiskAssessment.objects.filter(consultation_id__in=ids).update(notes="")
    RiskStep.objects.filter(consultation_id__in=ids).update(note="")
    Transfer.objects.filter(consultation_id__in=ids).update(note="")
    # A block keeps the sender's keyed hash only while it may still matter: once it has ended and its
    # consultation is erased (or it ended before the retention period), the hash and reason go too.
    blocks = (
        Block.objects.filter(until__lt=now)
        .filter(Q(consultation_id__in=ids) | Q(until__lt=limit))
        .exclude(sender_index="")
        .update(sender_index="", reason="")
    )
    consultations = Consultation.objects.filter(pk__in=ids).update(
        summary="",
        concern_words="",
        line_user_id="",
        line_user_index="",
        caller_number="",
        caller_index="",
        chat_secret_index="",
        sender_index="",
        erased_at=now,
    )
    record(
        actor=actor,
        action=ConsultationAction.ERASED,
        detail={
            "people": people_count,
            "consultations": consultations,
            "messages": messages,
            "blocks": blocks,
            "before": limit.isoformat(),
        },
    )
    return Erased(people=people_count, consultations=consultations, messages=messages)
