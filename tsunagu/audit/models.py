"""The append-only, hash-chained audit trail.

Rows are never updated or deleted: database triggers refuse it (migrations 0002, 0003). Each row
stores an HMAC over its canonical content and the previous row's HMAC, so altering, inserting or
removing a row in the middle breaks the chain at that row (``manage.py verify_audit``). The one
change the triggers let through is the removal of an anonymous actor's address from an old row,
attested by ``redaction_hmac`` (tsunagu/audit/redaction.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_code = models.UUIDField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150)
    org_code = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_code = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    # Non-personal facts only: names of changed fields, counts, reasons. Never personal values.
    detail = models.JSONField(default=dict, blank=True)
    prev_hmac = models.CharField(max_length=64)
    hmac = models.CharField(max_length=64)
    # Set once, when the address was removed from an anonymous actor's row stored before addresses
    # were kept for staff only (``manage.py remove_anonymous_addresses``): an HMAC of the row's
    # remaining content, bound to its ``prev_hmac`` and ``hmac``, by which the row still verifies
    # (chain.content_holds). NULL, not "": adding a column with a default makes SQLite rebuild the
    # table, and a rebuilt table loses its triggers.
    redaction_hmac = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["-seq"]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
            models.CheckConstraint(condition=models.Q(outcome__in=["allowed", "denied"]), name="audit_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.outcome}"


class RefusalTally(models.Model):
    """Refused calls of one kind, for one reason, from one source in one hour (a machine endpoint
    without valid credentials, a failed sign-in, a refused chat start): a counter, not a trail
    (tsunagu/audit/aggregate.py).

    Anyone can send such calls, so each one is counted here, in one row updated in place, and the
    audit trail gets one row per source and hour with the count once the hour has passed. The row
    also counts the current minute, for the rate limit. ``source`` is the pseudonym of the day
    (never an address); a row is deleted when its audit row is written.
    """

    action = models.CharField(max_length=64)
    source = models.CharField(max_length=16)
    period_start = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField(default=0)
    over_limit = models.PositiveIntegerField(default=0)
    minute_start = models.DateTimeField()
    minute_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "reason", "source", "period_start"], name="audit_refusal_tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.source} {self.period_start:%Y-%m-%d %H}h ×{self.count}"
