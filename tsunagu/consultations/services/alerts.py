"""Alerts that reach someone (docs/consultations.md, "Alerts").

An alert is raised by a high or imminent risk assessment, a high-risk call log, or a handover nobody
joined in time; it is shown on every staff page of every supervisor on duty until one of them
acknowledges it. Nobody acknowledges it within ``TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES``: the
``escalate_alerts`` command (run every minute) sends it by e-mail and by SMS to the escalation list,
once. Every step is an audit row naming the consultation and the alert, never anything the person
said; e-mails and SMS carry a short text and a link to the alerts page (which needs signing in).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import AuditActor, SystemActor, record, refusals_audited
from tsunagu.consultations import access, events, selectors
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import Alert, AlertContact, AlertKind, Consultation, ConsultationDesk
from tsunagu.consultations.services.common import ConsultationError, Refused
from tsunagu.core.sms import BaseSmsBackend, get_backend, normalise_number, send_sms

logger = logging.getLogger(__name__)

A = ConsultationAction

#: The audit actor of alerts raised by the system (a handover's timer) and of the escalation command.
ALERTS = SystemActor(label="alerts")


def _detail(alert: Alert, **more: object) -> dict[str, object]:
    return {"alert": str(alert.code), "alert_kind": alert.kind, **more}


@transaction.atomic
def alert_raise(*, consultation: Consultation, kind: str, actor: AuditActor | None = None) -> Alert:
    """Raise an alert of ``kind`` about the consultation, or return the one already open: at most
    one alert of a kind is open per consultation (a database constraint; two raises at once leave
    one alert and one audit row). An acknowledged alert does not stop a new one being raised."""
    if kind not in AlertKind.values:
        raise ConsultationError(f"unknown alert kind {kind!r}", code="kind")
    existing = Alert.objects.filter(consultation=consultation, kind=kind, acknowledged_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            alert = Alert.objects.create(consultation=consultation, kind=kind)
    except IntegrityError:  # raised by someone else a moment ago: theirs is the open one
        return Alert.objects.get(consultation=consultation, kind=kind, acknowledged_at__isnull=True)
    record(
        actor=actor or ALERTS,
        action=A.ALERT_RAISED,
        target_type="consultation",
        target_code=consultation.code,
        detail=_detail(alert),
    )
    events.alert(alert.code, consultation_code=consultation.code, state="raised")
    return alert


@refusals_audited(A.ALERT_ACKNOWLEDGED)
@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert: Alert) -> bool:
    """A supervisor who may read the consultation says they have seen the alert: it leaves every
    supervisor's banner and will not escalate. False if someone acknowledged it first."""
    consultation = alert.consultation
    if not access.may_supervise(actor) or actor.user is None or not access.may_read_consultation(actor, consultation):
        raise Refused(
            str(_("Only a supervisor can acknowledge an alert.")),
            code="not_supervisor",
            target_type="consultation",
            target_code=str(consultation.code),
        )
    now = timezone.now()
    done = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor.user
    )
    if not done:
        return False
    alert.acknowledged_at, alert.acknowledged_by = now, actor.user
    record(
        actor=actor,
        action=A.ALERT_ACKNOWLEDGED,
        target_type="consultation",
        target_code=consultation.code,
        detail=_detail(alert, waited_seconds=int((now - alert.raised_at).total_seconds())),
    )
    events.alert(alert.code, consultation_code=consultation.code, state="acknowledged")
    return True


@transaction.atomic
def alerts_mark_shown(*, actor: Actor, alerts: Sequence[Alert], via: str) -> int:
    """Record the first time each alert reached a supervisor's screen (``via`` "page" or "live"):
    one audit row per alert, not one per page view (a banner is on every page a supervisor opens;
    the acknowledgement is what says someone saw it). Returns how many were shown for the first time."""
    unseen = [alert for alert in alerts if alert.shown_at is None]
    if not unseen or actor.user is None:
        return 0
    now = timezone.now()
    marked = 0
    for alert in unseen:
        if not Alert.objects.filter(pk=alert.pk, shown_at__isnull=True).update(shown_at=now):
            continue
        alert.shown_at = now
        record(
            actor=actor,
            action=A.ALERT_SHOWN,
            target_type="consultation",
            target_code=alert.consultation.code,
            detail=_detail(alert, via=via),
        )
        marked += 1
    return marked


# -- escalation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationRun:
    escalated: int  # alerts escalated in this run
    emails: int  # e-mails handed to the mail server
    texts: int  # SMS handed to the SMS backend
    failed: int  # e-mails and SMS that could not be handed over


def _texts(alert: Alert, url: str) -> tuple[str, str, str]:
    """Subject and body of the e-mail, and the SMS: the kind and a link, nothing about the person."""
    with translation.override(settings.LANGUAGE_CODE):
        kind = AlertKind(alert.kind).label
        minutes = settings.TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES
        subject = "[tsunagu] " + gettext("Alert not acknowledged: %(kind)s") % {"kind": kind}
        body = (
            gettext(
                "An alert in tsunagu (%(kind)s) has not been acknowledged by a supervisor for %(minutes)d "
                "minutes. Sign in to see it and acknowledge it:"
            )
            % {"kind": kind, "minutes": minutes}
            + f"\n{url}\n"
        )
        sms = gettext("tsunagu: alert not acknowledged (%(kind)s). %(url)s") % {"kind": kind, "url": url}
    return subject, body, sms


def _send_email(subject: str, body: str, address: str) -> bool:
    try:
        return send_mail(subject, body, None, [address]) == 1
    except Exception:  # noqa: BLE001 - one recipient's failure must not stop the others
        logger.warning("alert escalation e-mail not sent")
        return False


def _send_text(text: str, number: str, backend: BaseSmsBackend) -> bool:
    try:
        return send_sms(number, text, backend=backend) == 1
    except Exception:  # noqa: BLE001 - one recipient's failure must not stop the others
        logger.warning("alert escalation SMS not sent")
        return False


def _escalate_one(alert: Alert, now: dt.datetime) -> tuple[int, int, int]:
    contacts = selectors.escalation_contacts(alert=alert)
    url = settings.TSUNAGU_BASE_URL + reverse("consultations:alerts") + f"#alert-{alert.code}"
    subject, body, text = _texts(alert, url)
    addresses = [contact.user.email for contact in contacts if contact.user.email]
    numbers = [contact.sms_number for contact in contacts if contact.sms_number]
    emailed = sum(_send_email(subject, body, address) for address in addresses)
    texted = 0
    if numbers:
        backend = get_backend()
        texted = sum(_send_text(text, number, backend) for number in numbers)
    if not addresses and not numbers:
        logger.warning("alert escalation has nobody to go to: set the escalation list on the intake settings page")
    with transaction.atomic():
        for action, recipients, sent in (
            (A.ALERT_ESCALATED_BY_EMAIL, len(addresses), emailed),
            (A.ALERT_ESCALATED_BY_SMS, len(numbers), texted),
        ):
            record(
                actor=ALERTS,
                action=action,
                target_type="consultation",
                target_code=alert.consultation.code,
                detail=_detail(alert, recipients=recipients, sent=sent),
            )
    failed = len(addresses) - emailed + len(numbers) - texted
    return emailed, texted, failed


def alerts_escalate(*, now: dt.datetime | None = None) -> EscalationRun:
    """Send every alert unacknowledged for ``TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES`` by e-mail and SMS
    to its escalation list (``selectors.escalation_contacts``), once. Each alert is claimed by a
    conditional update that commits before anything is sent, so two runs at once never both send
    it, and the database's write lock is never held while a mail server or SMS provider answers. A
    message that cannot be handed over is counted in the audit row (``sent`` < ``recipients``) and
    logged, without the address; it is not retried (at most once)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES)
    escalated = emails = texts = failed = 0
    for alert in selectors.alerts_due(raised_before=cutoff):
        with transaction.atomic():
            claimed = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True, escalated_at__isnull=True).update(
                escalated_at=now
            )
        if not claimed:
            continue
        alert.escalated_at = now
        sent_emails, sent_texts, not_sent = _escalate_one(alert, now)
        escalated += 1
        emails += sent_emails
        texts += sent_texts
        failed += not_sent
    return EscalationRun(escalated=escalated, emails=emails, texts=texts, failed=failed)


# -- the escalation list -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactData:
    user: User
    sms_number: str = ""


@refusals_audited(A.ESCALATION_LIST_SAVED)
@transaction.atomic
def alert_contacts_save(
    *, actor: Actor, organisation: Organisation, contacts: Sequence[ContactData]
) -> list[AlertContact]:
    """Replace the desk's escalation list: some of the organisation's supervisors, each with an
    optional mobile number for SMS (stored encrypted). The audit row counts them; it names nobody's
    number."""
    if not access.may_manage_desk(actor) or actor.organisation is None or actor.organisation.pk != organisation.pk:
        raise Refused(
            str(_("You cannot change this organisation's intake settings.")),
            code="not_desk_manager",
            target_type="organisation",
            target_code=str(organisation.code),
        )
    desk = ConsultationDesk.objects.filter(organisation=organisation).first()
    if desk is None:
        raise ConsultationError(str(_("Save the intake settings first.")), code="not_participating")
    supervising = {user.pk for user in selectors.supervisors_of(organisation)}
    chosen: dict[int, str] = {}
    for contact in contacts:
        if contact.user.pk not in supervising:
            raise ConsultationError(
                str(_("Only the organisation's supervisors can be on the escalation list.")), code="user"
            )
        number = normalise_number(contact.sms_number) if contact.sms_number.strip() else ""
        if contact.sms_number.strip() and not 10 <= len(number.lstrip("+")) <= 15:
            raise ConsultationError(str(_("Enter a mobile number of 10 to 15 digits.")), code="number")
        chosen[contact.user.pk] = number
    AlertContact.objects.filter(desk=desk).exclude(user_id__in=chosen).delete()
    now = timezone.now()
    for user_id, number in chosen.items():
        AlertContact.objects.update_or_create(
            desk=desk, user_id=user_id, defaults={"sms_number": number, "updated_at": now}
        )
    record(
        actor=actor,
        action=A.ESCALATION_LIST_SAVED,
        target_type="organisation",
        target_code=organisation.code,
        detail={"contacts": len(chosen), "with_sms": sum(1 for number in chosen.values() if number)},
    )
    return selectors.alert_contacts_of(desk)
