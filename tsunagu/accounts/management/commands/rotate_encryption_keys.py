"""Re-encrypt every encrypted field with the primary key, in batches.

Procedure (docs/operations.md): put the new key first in TSUNAGU_ENCRYPTION_KEYS, keep the old one
after it, run this command, then remove the old key.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from tsunagu.accounts.actions import AccountAction
from tsunagu.audit.services import SystemActor, record
from tsunagu.core import crypto
from tsunagu.core.fields import encrypted_fields


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the primary key (TSUNAGU_ENCRYPTION_KEYS' first entry)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        primary = crypto.keyring().primary_id
        totals: dict[str, int] = {}
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            rewritten = self._rotate_model(model, [f.name for f in fields], primary, batch_size)
            totals[model._meta.label] = rewritten
            self.stdout.write(f"{model._meta.label}: {rewritten} rows re-encrypted")
        record(
            actor=SystemActor("rotate_encryption_keys"),
            action=AccountAction.KEYS_ROTATED,
            detail={"primary": primary, "rows": totals},
        )

    @staticmethod
    def _rotate_model(model: type[models.Model], names: list[str], primary: str, batch_size: int) -> int:
        # Raw ciphertext (Cast skips the field's decryption) tells which key wrote each value.
        raw = {f"raw_{name}": Cast(name, models.TextField()) for name in names}
        rewritten = 0
        last_pk: Any = None
        while True:
            qs = model._default_manager.order_by("pk").annotate(**raw)
            if last_pk is not None:
                qs = qs.filter(pk__gt=last_pk)
            batch = list(qs[:batch_size])
            if not batch:
                return rewritten
            stale = [
                obj
                for obj in batch
                if any((value := getattr(obj, f"raw_{name}")) and crypto.key_id_of(value) != primary for name in names)
            ]
            if stale:
                with transaction.atomic():
                    # Decrypted values were loaded with the old key; saving encrypts them with the primary.
                    model._default_manager.bulk_update(stale, names)
                rewritten += len(stale)
            last_pk = batch[-1].pk
