"""Send alerts no supervisor acknowledged within TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES by e-mail and
SMS to the escalation list (docs/consultations.md, "Alerts"). Run it every minute from the scheduler
(docs/operations.md); each alert is escalated once, even when two runs overlap."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.consultations import services


class Command(BaseCommand):
    help = "Escalate unacknowledged alerts by e-mail and SMS to the escalation list."

    def handle(self, *args: Any, **options: Any) -> None:
        run = services.alerts_escalate()
        self.stdout.write(
            f"Escalated: {run.escalated}; e-mails: {run.emails}; SMS: {run.texts}; not sent: {run.failed}"
        )
