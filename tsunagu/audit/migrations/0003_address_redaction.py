"""Addresses are kept for staff actors only (issue 14, finding 5). Rows stored before keep an
anonymous actor's address; ``manage.py remove_anonymous_addresses`` removes it. That needs:

- ``redaction_hmac``: the HMAC by which such a row still verifies without its address (nullable, so
  that SQLite adds the column in place instead of rebuilding the table, which would drop its
  triggers);
- triggers that let through exactly that change and nothing else: on a row without a staff actor,
  ``ip`` from an address to NULL and ``redaction_hmac`` from NULL to a value, every other column
  unchanged. Every other UPDATE, every DELETE (and TRUNCATE on PostgreSQL) is still refused.
"""

from django.db import migrations, models

# Every column but ip and redaction_hmac: the trigger requires each unchanged.
UNCHANGED = (
    "id",
    "seq",
    "occurred_at",
    "actor_code",
    "actor_label",
    "org_code",
    "action",
    "target_type",
    "target_code",
    "outcome",
    "request_id",
    "detail",
    "prev_hmac",
    "hmac",
)
REDACTION = (
    "OLD.actor_code IS NULL AND OLD.ip IS NOT NULL AND NEW.ip IS NULL"
    " AND OLD.redaction_hmac IS NULL AND NEW.redaction_hmac IS NOT NULL"
)

SQLITE_UPDATE = (
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    f"WHEN NOT ({REDACTION} AND {' AND '.join(f'NEW.{c} IS OLD.{c}' for c in UNCHANGED)}) "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
)
SQLITE_UPDATE_BEFORE = (
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
)
SQLITE_DROP_UPDATE = "DROP TRIGGER IF EXISTS audit_auditevent_no_update;"

POSTGRES_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND {REDACTION}
           AND ({", ".join(f"NEW.{c}" for c in UNCHANGED)})
               IS NOT DISTINCT FROM ({", ".join(f"OLD.{c}" for c in UNCHANGED)}) THEN
            RETURN NEW;  -- an anonymous actor's address removed, attested by redaction_hmac
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only: ' || TG_OP || ' refused',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
"""
POSTGRES_FUNCTION_BEFORE = """
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only: ' || TG_OP || ' refused',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    statements = {
        "sqlite": [SQLITE_DROP_UPDATE, SQLITE_UPDATE],
        "postgresql": [POSTGRES_FUNCTION],
    }[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    if AuditEvent.objects.filter(redaction_hmac__isnull=False).exists():
        # Without the column those rows could no longer be verified.
        raise RuntimeError("audit rows had their address removed; this migration cannot be reversed")
    statements = {
        "sqlite": [SQLITE_DROP_UPDATE, SQLITE_UPDATE_BEFORE],
        "postgresql": [POSTGRES_FUNCTION_BEFORE],
    }[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="redaction_hmac",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
