"""What a service raises when it cannot do a write: one shape for every app (docs/architecture.md).

Each app names its own subclasses (``ConsultationError``, ``ReferralError``) so its views can catch
exactly its errors; a refusal is also a ``Refused``, so ``audit.services.refusals_audited`` records
it whatever app raised it.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A write that cannot be done, with a message for the person using the page (already translated)."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Refused(ServiceError):
    """Refused for want of authority or consent. Services decorated with
    ``audit.services.refusals_audited`` record it as one "denied" row after the rollback; ``action``,
    when given, names the attempted action more precisely than the decorator's."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        target_type: str = "",
        target_code: str = "",
        action: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.target_type = target_type
        self.target_code = target_code
        self.action = action


class Conflict(ServiceError):
    """Someone else changed the record first (optimistic locking); the loser is told what happened."""
