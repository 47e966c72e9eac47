"""The unified consultation intake (統一的な相談窓口): one queue that several helpline organisations
answer together, by web chat, LINE and phone (docs/consultations.md).

Personal data lives only in encrypted columns (`EncryptedTextField`); what can be searched for
(a phone number, a LINE user, an anonymous chat's secret) is a blind index beside it. Everything
else here (channel, times, concerns, risk level, outcome) is what stays as anonymous statistics once
the retention period has passed and the personal columns are emptied.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.accounts.models import Organisation
from tsunagu.core.fields import EncryptedTextField
from tsunagu.directory.models import Service, TaxonomyTerm


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB_CHAT = "web_chat", _("Web chat")
    LINE = "line", pgettext_lazy("channel", "LINE")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    OUTREACH = "outreach", _("Outreach")


class Status(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACTIVE = "active", _("In conversation")
    CLOSED = "closed", _("Closed")


class ConsultingAs(models.TextChoices):
    UNKNOWN = "", _("Not known")
    SELF = "self", _("The person themselves")
    FAMILY = "family", _("Family")
    FRIEND = "friend", _("Friend or acquaintance")
    PROFESSIONAL = "professional", _("Professional")


class RiskLevel(models.IntegerChoices):
    NONE = 0, _("None")
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    IMMINENT = 4, _("Imminent")


class ConsentMethod(models.TextChoices):
    ORAL = "oral", _("Orally (口頭)")
    WRITTEN = "written", _("In writing (書面)")
    ELECTRONIC = "electronic", _("Electronically (電子)")


class ConsultationDesk(models.Model):
    """An organisation that answers the shared queue, with its own on-duty hours.

    ``hours`` is a schedule in the directory's format (`directory.schedules.Schedule.to_json`);
    outside every participant's hours the portal's chat tells the person which 24-hour lines to call.
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="consultation_desk")
    hours = models.JSONField(_("on-duty hours"), default=dict)
    hours_text = models.CharField(_("on-duty hours (as written)"), max_length=500, blank=True)
    is_active = models.BooleanField(_("answers the shared queue"), default=True)
    # The organisation's telephony (CTI) system authenticates with a token; only its keyed hash is kept.
    cti_token_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.organisation.name


class Person(models.Model):
    """Someone who consulted, recorded only with their consent to record (APPI Art. 20(2))."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    name = EncryptedTextField(pgettext_lazy("person", "name"), blank=True)
    name_kana = EncryptedTextField(pgettext_lazy("person", "name (kana)"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = EncryptedTextField(pgettext_lazy("person", "address"), blank=True)
    birth_year = EncryptedTextField(_("birth year or age band"), blank=True)
    gender = EncryptedTextField(_("gender, in the person's own words"), blank=True)
    municipality = EncryptedTextField(_("municipality"), blank=True)
    consent_method = models.CharField(
        _("how consent to record was given"), max_length=16, choices=ConsentMethod.choices
    )
    consent_at = models.DateTimeField(_("when consent was given"))
    consent_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent taken by")
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_contact_at = models.DateTimeField(default=timezone.now)
    # Set when the retention period passed and the personal columns were emptied.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_method__in=ConsentMethod.values), name="person_consent_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.code)


class Consultation(models.Model):
    """One contact: a chat, a LINE conversation, a call, a visit."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.WAITING)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # When it (last) entered the queue: at the start, and again when transferred.
    waiting_since = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    # The handling organisation and counsellor; empty while it waits in the shared queue.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    # A transfer waits for this organisation (and, if named, this counsellor) only.
    transfer_to = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="transferred_consultations"
    )
    transfer_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A handover offered only to the receiving organisation's supervisors (a high-risk transfer to nobody by name).
    transfer_to_supervisors = models.BooleanField(default=False)
    language = models.CharField(_("language"), max_length=16, default="ja")
    interpreter = models.BooleanField(_("with an interpreter"), default=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="consultations")
    consulting_as = models.CharField(
        _("who is consulting"), max_length=16, choices=ConsultingAs.choices, blank=True, default=ConsultingAs.UNKNOWN
    )
    concerns = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="+", verbose_name=_("concerns"))
    concern_words = EncryptedTextField(_("concerns in other words"), blank=True)
    summary = EncryptedTextField(_("summary notes"), blank=True)
    # The pre-chat question (今、死にたいほどつらいですか) or a high assessment: first in the queue.
    risk_flag = models.BooleanField(_("risk flag"), default=False)
    risk_level = models.PositiveSmallIntegerField(_("risk level"), choices=RiskLevel.choices, default=RiskLevel.NONE)
    outcome_listened = models.BooleanField(_("listened"), default=False)
    outcome_information = models.BooleanField(_("information given"), default=False)
    outcome_referral = models.BooleanField(_("referral started"), default=False)
    outcome_follow_up = models.BooleanField(_("follow-up agreed"), default=False)
    services_given = models.ManyToManyField(Service, blank=True, related_name="+", verbose_name=_("services given"))
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    # Anonymous web chat: a keyed hash of the secret in the person's browser (cookie), never the secret.
    chat_secret_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The address the chat came from, as a keyed hash, for rate limits and blocks.
    sender_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # LINE: the user id (encrypted, to reply) and its blind index (to find the open conversation).
    line_user_id = EncryptedTextField(blank=True)
    line_user_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Phone: the caller's number when a CTI system gave it (encrypted), and its blind index.
    caller_number = EncryptedTextField(blank=True)
    caller_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The CTI system's id of the call ("<organisation id>:<call id>"), so a repeated notice opens one record.
    cti_call_id = models.CharField(max_length=150, blank=True, editable=False)
    ended_by_person = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set when the retention period passed and the personal columns were emptied.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "-risk_flag", "waiting_since"], name="consultation_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["cti_call_id"], condition=~models.Q(cti_call_id=""), name="consultation_cti_call_unique"
            ),
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="consultation_channel_valid"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="consultation_status_valid"),
            models.CheckConstraint(
                condition=models.Q(risk_level__lte=RiskLevel.IMMINENT), name="consultation_risk_valid"
            ),
            # Nobody handles a contact that waits; someone handles every conversation going on. A
            # closed one may have had nobody (a chat given up while waiting).
            models.CheckConstraint(
                condition=models.Q(status=Status.WAITING, counsellor__isnull=True)
                | models.Q(status=Status.ACTIVE, organisation__isnull=False, counsellor__isnull=False)
                | models.Q(status=Status.CLOSED),
                name="consultation_handler_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return str(self.code)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def outcomes(self) -> list[str]:
        return [name for name in OUTCOME_FIELDS if getattr(self, f"outcome_{name}")]

    @property
    def outcome_labels(self) -> list[str]:
        labels = dict(OUTCOME_CHOICES)
        return [str(labels[name]) for name in self.outcomes]


OUTCOME_FIELDS = ("listened", "information", "referral", "follow_up")
OUTCOME_CHOICES = [
    ("listened", _("Listened")),
    ("information", _("Information given")),
    ("referral", _("Referral started")),
    ("follow_up", _("Follow-up agreed")),
]


class Sender(models.TextChoices):
    PERSON = "person", _("The person")
    COUNSELLOR = "counsellor", _("Counsellor")
    SUPERVISOR = "supervisor", _("Supervisor")
    SYSTEM = "system", _("Notice")


class Message(models.Model):
    """One message of a chat or LINE conversation, stored (encrypted) before anyone is told of it."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    sender = models.CharField(max_length=16, choices=Sender.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    body = EncryptedTextField()
    # The sender's own id for the message: a resend after a dropped connection is the same message.
    client_key = models.CharField(max_length=64, blank=True)
    # LINE: the webhook event id, so a redelivered event is stored once.
    external_id = models.CharField(max_length=64, blank=True)
    # A counsellor's reply on LINE: whether the Messaging API accepted it ("" for other channels).
    delivery = models.CharField(max_length=16, blank=True)
    # Seen by staff only, never by the person: a supervisor's private note, a notice to the counsellor.
    staff_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["consultation", "sender", "client_key"],
                condition=~models.Q(client_key=""),
                name="message_client_key_unique",
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~models.Q(external_id=""), name="message_external_unique"
            ),
            models.CheckConstraint(condition=models.Q(sender__in=Sender.values), name="message_sender_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.seq}"


class RiskAssessment(models.Model):
    """A structured risk assessment; the level is computed from the answers, and a counsellor may
    raise it (never lower it) on their judgement."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="assessments")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)
    suicidal_thoughts = models.BooleanField(_("thoughts of suicide"), default=False)
    plan = models.BooleanField(_("a plan"), default=False)
    means = models.BooleanField(_("access to means"), default=False)
    imminence = models.BooleanField(_("intends to act soon"), default=False)
    violence_at_home = models.BooleanField(_("violence at home"), default=False)
    child_at_risk = models.BooleanField(_("a child at risk"), default=False)
    medical_emergency = models.BooleanField(_("medical emergency"), default=False)
    level = models.PositiveSmallIntegerField(_("risk level"), choices=RiskLevel.choices)
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        ordering = ["consultation", "assessed_at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.level}"


class EmergencyStep(models.TextChoices):
    STAYED_ON_LINE = "stayed_on_line", _("Stayed with the person on the line")
    SUPERVISOR_INFORMED = "supervisor_informed", _("Informed the supervisor")
    CALLED_119 = "called_119", _("Called 119 (ambulance)")
    CALLED_110 = "called_110", _("Called 110 (police)")
    CHILD_GUIDANCE = "child_guidance", _("Contacted the child guidance centre (189)")
    CONTACTED_FAMILY = "contacted_family", _("Contacted someone close to the person, with their agreement")
    SAFETY_PLAN = "safety_plan", _("Made a safety plan with the person")
    OTHER = "other", _("Other")


class RiskStep(models.Model):
    """One step of the emergency checklist, with its time: what was done for a high-risk contact."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="risk_steps")
    step = models.CharField(max_length=32, choices=EmergencyStep.choices)
    note = EncryptedTextField(blank=True)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "taken_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(step__in=EmergencyStep.values), name="risk_step_valid")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.step}"


class Transfer(models.Model):
    """A warm transfer (handover): the note travels with the conversation so the person never repeats
    their story, and the first counsellor stays with the person until the receiver joins
    (``taken_at``), the handover is cancelled, or the conversation ends."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="transfers")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_supervisors = models.BooleanField(default=False)
    note = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Nobody joined in time: the supervisors were alerted and the first counsellor told.
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consultation", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation_id}: transfer"

    @property
    def is_pending(self) -> bool:
        return self.taken_at is None and self.cancelled_at is None


class Participant(models.Model):
    """A supervisor who joined a conversation openly: the person sees a supervisor's messages under
    that role's name; staff see who wrote them."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consultation", "user"], name="participant_unique")]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.user_id}"


class Block(models.Model):
    """A harassing sender kept out for a period, with the recorded reason."""

    sender_index = models.CharField(max_length=64, db_index=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    until = models.DateTimeField()
    reason = EncryptedTextField()
    blocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey(Consultation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"block until {self.until:%Y-%m-%d}"


class AlertKind(models.TextChoices):
    HIGH_RISK = "high_risk", _("High-risk contact")
    TRANSFER_UNANSWERED = "transfer_unanswered", _("Handover not answered")


class Alert(models.Model):
    """Something a supervisor on duty must see now (docs/consultations.md, "Alerts"): shown on every
    staff page until one of them acknowledges it, and sent by e-mail and SMS to the escalation list
    if nobody does within ``TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES``. It names the consultation and the
    kind, never anything the person said; at most one alert of a kind is open per consultation."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    # The first time it reached a supervisor's screen (a page or the live channel).
    shown_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When the escalation (e-mail and SMS to the escalation list) went out; it goes out once.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [
            # The banner on every supervisor's page reads the open alerts only: a small partial index.
            models.Index(fields=["raised_at"], condition=models.Q(acknowledged_at__isnull=True), name="alert_open"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "kind"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="alert_one_open_per_kind",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledged_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class AlertContact(models.Model):
    """One supervisor on a desk's escalation list: e-mailed, and sent an SMS when a number is given,
    when an alert of the desk's organisation stays unacknowledged. The number is staff data, kept
    encrypted like every personal column."""

    desk = models.ForeignKey(ConsultationDesk, on_delete=models.CASCADE, related_name="alert_contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sms_number = EncryptedTextField(_("mobile number for SMS"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["desk", "id"]
        constraints = [models.UniqueConstraint(fields=["desk", "user"], name="alert_contact_unique")]

    def __str__(self) -> str:
        return f"{self.desk_id}: {self.user_id}"
