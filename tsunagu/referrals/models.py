"""つなぎ: closed-loop referrals that carry only what the person agreed to share (docs/referrals.md).

- ``Consent``: what the person agreed to: for which purposes, to which organisations, which items,
  how it was given, by whom it was taken, until when. Withdrawn by staff or by the person with the
  code on their slip.
- ``Referral``: one hand-over to an organisation in tsunagu (electronic) or outside it (a printed
  sheet). At sending, the values of the chosen items are copied into ``shared`` (encrypted); the
  recipient reads only that copy, and only while the consent (or the approved exception) stands.
- ``SharingException``: sharing without consent under APPI Art. 27(1) / Art. 69, released only after
  a second person with the supervisor role approves.
- ``Provision``: the provision ledger (提供記録, APPI Arts. 29/30), written in the same transaction as
  every provision, with the recipient's confirmation of receipt. Kept at least three years: a
  database trigger refuses to delete an entry earlier.
- ``ProvisionWithdrawal``: an entry appended to the ledger when the consent a provision rested on is
  withdrawn; like the provision, never changed and kept until its keep date.
- ``ReferralEvent``: each step, seen by both sides. ``Notification``: the in-app inbox.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.accounts.models import Organisation
from tsunagu.consultations.models import ConsentMethod, Consultation, Person
from tsunagu.core.fields import EncryptedTextField
from tsunagu.directory.models import Service


class Item(models.TextChoices):
    """What may travel with a referral, each chosen on its own (minimum necessary)."""

    NAME = "name", pgettext_lazy("person", "Name")
    PHONE = "phone", _("Phone number")
    ADDRESS = "address", pgettext_lazy("person", "Address")
    PROFILE = "profile", _("Age band, gender and municipality")
    CONCERNS = "concerns", _("Concerns")
    SUMMARY = "summary", _("Summary of the consultation")
    RISK = "risk", _("Risk level")


class Purpose(models.TextChoices):
    SUPPORT = "support", _("Support from the receiving organisation")
    FOLLOW_UP = "follow_up", _("Follow-up of the consultation")


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WithdrawnVia(models.TextChoices):
    NONE = "", "-"
    STAFF = "staff", _("Recorded by staff")
    PERSON = "person", _("By the person, with the code on their slip")


class Consent(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    # The organisation that holds the person's data and took the consent.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="consents_taken")
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, null=True, blank=True, related_name="consents"
    )
    purposes = models.JSONField(_("purposes"), default=list)
    recipients = models.ManyToManyField(Organisation, related_name="+", verbose_name=_("recipients"), blank=True)
    # An organisation outside tsunagu, by name (a printed referral sheet).
    other_recipient = models.CharField(_("organisation outside tsunagu"), max_length=200, blank=True)
    items = models.JSONField(_("items that may be shared"), default=list)
    method = models.CharField(_("how consent was given"), max_length=16, choices=ConsentMethod.choices)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("given"))
    expires_on = models.DateField(_("valid until"))
    status = models.CharField(max_length=16, choices=ConsentStatus.choices, default=ConsentStatus.ACTIVE)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_via = models.CharField(max_length=16, choices=WithdrawnVia.choices, blank=True, default="")
    # The person's withdrawal code (on their slip) as a keyed hash; the code itself is never stored.
    withdrawal_code_index = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(method__in=ConsentMethod.values), name="consent_method_valid"),
            models.CheckConstraint(condition=models.Q(status__in=ConsentStatus.values), name="consent_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status=ConsentStatus.ACTIVE, withdrawn_at__isnull=True)
                | models.Q(status=ConsentStatus.WITHDRAWN, withdrawn_at__isnull=False),
                name="consent_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.code)


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a supervisor's approval")
    SENT = "sent", _("Sent")
    VIEWED = "viewed", _("Viewed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_SUPPORT = "in_support", _("In support")
    COMPLETED = "completed", _("Completed")
    CLOSED_NO_CONTACT = "closed_no_contact", _("Closed without contact")
    WITHDRAWN = "withdrawn", _("Withdrawn by the sender")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Closed: the person withdrew their consent")


class Handoff(models.TextChoices):
    NONE = "", _("None")
    APPOINTMENT = "appointment", _("A first appointment")
    THREE_WAY_CALL = "three_way_call", _("A three-way call")


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity now")
    OUT_OF_AREA = "out_of_area", _("Outside our area")
    NOT_ELIGIBLE = "not_eligible", _("Not what we provide")
    OTHER = "other", _("Other")


class Referral(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_sent")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_received"
    )
    to_service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Outside tsunagu: the organisation's public name and contact (not personal data); a printed sheet.
    external_name = models.CharField(_("organisation outside tsunagu"), max_length=200, blank=True)
    external_contact = models.CharField(_("its contact"), max_length=200, blank=True)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    items = models.JSONField(default=list)
    # The values of ``items`` at sending, as JSON, encrypted; emptied when the consent is withdrawn.
    shared = EncryptedTextField(blank=True)
    # Safe contact instructions: they travel with every referral (they protect the person).
    contact_how = models.JSONField(default=list)
    contact_when = EncryptedTextField(_("when the person may be contacted"), blank=True)
    do_not_call_home = models.BooleanField(_("do not call at home"), default=False)
    contact_note = EncryptedTextField(_("other contact instructions"), blank=True)
    handoff = models.CharField(_("warm handoff"), max_length=16, choices=Handoff.choices, blank=True, default="")
    handoff_at = models.DateTimeField(_("proposed time"), null=True, blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    # Optimistic locking: every change says which version it saw; a stale one loses.
    version = models.PositiveIntegerField(default=1)
    # The form's one-time key: a double submission finds the referral the first one created.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    decline_reason = models.CharField(max_length=16, choices=DeclineReason.choices, blank=True, default="")
    response_note = EncryptedTextField(_("note on the response"), blank=True)
    outcome_note = EncryptedTextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A reply is due by this business day (holiday-aware); reminders and escalation after it.
    respond_by = models.DateField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set when the retention period passed and the personal columns were emptied.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["to_organisation", "status"], name="referral_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["from_organisation", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="referral_idempotency_unique",
            ),
            models.CheckConstraint(condition=models.Q(status__in=ReferralStatus.values), name="referral_status_valid"),
            # Exactly one recipient: an organisation in tsunagu, or one outside it by name.
            models.CheckConstraint(
                condition=(models.Q(to_organisation__isnull=False) & models.Q(external_name=""))
                | (models.Q(to_organisation__isnull=True) & ~models.Q(external_name="")),
                name="referral_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return str(self.code)

    @property
    def is_external(self) -> bool:
        return self.to_organisation_id is None

    @property
    def recipient_name(self) -> str:
        return self.to_organisation.name if self.to_organisation is not None else self.external_name


class EventKind(models.TextChoices):
    CREATED = "created", _("Draft saved")
    EXCEPTION_REQUESTED = "exception_requested", _("Sharing without consent requested")
    EXCEPTION_APPROVED = "exception_approved", _("Sharing without consent approved")
    EXCEPTION_REJECTED = "exception_rejected", _("Sharing without consent rejected")
    SENT = "sent", _("Sent")
    VIEWED = "viewed", _("Viewed; receipt confirmed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_SUPPORT = "in_support", _("Support started")
    COMPLETED = "completed", _("Completed")
    CLOSED_NO_CONTACT = "closed_no_contact", _("Closed without contact")
    WITHDRAWN = "withdrawn", _("Withdrawn by the sender")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The person withdrew their consent")
    REMINDED = "reminded", _("Reminder sent")
    ESCALATED = "escalated", _("Escalated to the recipient's supervisors")


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["referral", "at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.kind}"


class LegalBasis(models.TextChoices):
    """The narrow cases where personal data may be provided without consent."""

    LAW = "art27_1_1", _("Based on laws and regulations (APPI Art. 27(1)(i))")
    LIFE_BODY = (
        "art27_1_2",
        _("Protection of life, body or property when consent is difficult to obtain (APPI Art. 27(1)(ii))"),
    )
    PUBLIC_HEALTH_CHILD = (
        "art27_1_3",
        _(
            "Public health or the sound upbringing of children, when consent is difficult to obtain "
            "(APPI Art. 27(1)(iii))"
        ),
    )
    PUBLIC_BODY = "art27_1_4", _("Cooperation with a public body's duties prescribed by law (APPI Art. 27(1)(iv))")
    ADMINISTRATIVE = "art69_2", _("Provision by an administrative organ for a special reason (APPI Art. 69(2))")


class ExceptionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled by the sender")


class SharingException(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="exceptions")
    legal_basis = models.CharField(_("legal basis"), max_length=16, choices=LegalBasis.choices)
    justification = EncryptedTextField(_("justification"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # When the requester last re-authenticated (step-up) before asking.
    requester_reauthenticated_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ExceptionStatus.choices, default=ExceptionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_basis__in=LegalBasis.values), name="sharing_exception_basis_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ExceptionStatus.values), name="sharing_exception_status_valid"
            ),
            # The four-eyes rule, in the database too: nobody approves their own request.
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("requested_by")),
                name="sharing_exception_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.legal_basis}"


class Means(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronically, through tsunagu")
    PAPER = "paper", _("On a printed referral sheet")


class Provision(models.Model):
    """One entry of the provision ledger (提供記録). Written only by services, never edited but for the
    receipt; a trigger refuses deletion before ``keep_until`` (APPI Arts. 29/30 and its rules: three
    years)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="provisions")
    # Who the person is, as the ledger must say, kept even if the consultation record is erased.
    person_label = EncryptedTextField()
    # The same for the receiving side, from what was shared only (the name if it was shared, else the
    # phone number, else the referral's short code): the recipient never learns more from its ledger.
    recipient_label = EncryptedTextField(blank=True)
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="provisions_made")
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="provisions_received"
    )
    to_name = models.CharField(max_length=200)
    items = models.JSONField(default=list)
    # "consent" or a LegalBasis value.
    basis = models.CharField(max_length=16)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    exception = models.ForeignKey(SharingException, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="provisions")
    means = models.CharField(max_length=16, choices=Means.choices)
    provided_at = models.DateTimeField()
    provided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    keep_until = models.DateField()

    class Meta:
        ordering = ["-provided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(basis="consent", consent__isnull=False)
                | (~models.Q(basis="consent") & models.Q(exception__isnull=False)),
                name="provision_has_basis",
            ),
            models.CheckConstraint(condition=models.Q(means__in=Means.values), name="provision_means_valid"),
        ]

    def __str__(self) -> str:
        return str(self.code)


class ProvisionWithdrawal(models.Model):
    """An entry appended to the provision ledger: the consent a provision rested on was withdrawn
    (by the person with the code on their slip, or recorded by staff). One per provision concerned,
    written by the withdrawal in the same transaction, so each side sees it beside the provision it
    sees and learns nothing of provisions to others. Never changed; kept as long as its provision
    (``keep_until`` is the provision's): database triggers refuse any update, and any deletion
    before that date."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provision = models.OneToOneField(Provision, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_at = models.DateTimeField()
    via = models.CharField(max_length=16, choices=WithdrawnVia.choices)
    # Who recorded it: a staff member, or nobody when the person withdrew with their code.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    keep_until = models.DateField()

    class Meta:
        ordering = ["withdrawn_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(via=WithdrawnVia.PERSON, recorded_by__isnull=True)
                | models.Q(via=WithdrawnVia.STAFF, recorded_by__isnull=False),
                name="provision_withdrawal_via_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.code)


class NotificationKind(models.TextChoices):
    RECEIVED = "received", _("A referral was sent to your organisation")
    UPDATED = "updated", _("A referral you sent was updated")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent for a referral was withdrawn")
    REMINDER = "reminder", _("A referral is waiting for a response")
    ESCALATION = "escalation", _("A referral is overdue")
    APPROVAL_NEEDED = "approval_needed", _("Sharing without consent needs your approval")
    EXCEPTION_RELEASED = "exception_released", _("Personal data was shared without consent")


class Notification(models.Model):
    """The in-app inbox. It names the referral by link only; the e-mail copy says no more."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"
