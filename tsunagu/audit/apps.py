from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tsunagu.audit"
    label = "audit"
    verbose_name = "tsunagu audit"

    def ready(self) -> None:
        # Every app's audit actions, so that labels and filters know the whole vocabulary
        # (tsunagu/audit/actions.py) without this inner app importing an outer one.
        from tsunagu.audit.actions import discover

        discover()
