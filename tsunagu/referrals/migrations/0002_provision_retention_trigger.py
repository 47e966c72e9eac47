"""The provision ledger is kept at least until each entry's ``keep_until`` (APPI Arts. 29/30: three
years): the database refuses to delete an entry earlier, whatever path the DELETE comes from, and
refuses to change an entry but for its receipt (and the re-encryption of its labels when keys rotate),
so that nobody can shorten its keep date or rewrite what was provided."""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE TRIGGER referrals_provision_keep BEFORE DELETE ON referrals_provision "
    "WHEN OLD.keep_until > date('now') "
    "BEGIN SELECT RAISE(ABORT, 'provision records are kept until keep_until'); END;",
]
# Columns fixed once written: all but the receipt (received_at, received_by_id) and the encrypted
# labels (their ciphertext changes when encryption keys rotate; their meaning does not).
FIXED = (
    "code",
    "person_id",
    "from_organisation_id",
    "to_organisation_id",
    "to_name",
    "items",
    "basis",
    "consent_id",
    "exception_id",
    "referral_id",
    "means",
    "provided_at",
    "provided_by_id",
    "keep_until",
)
SQLITE_CREATE.append(
    "CREATE TRIGGER referrals_provision_fixed BEFORE UPDATE ON referrals_provision WHEN "
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)
    + " BEGIN SELECT RAISE(ABORT, 'provision records cannot be changed but for the receipt'); END;"
)
SQLITE_DROP = ["DROP TRIGGER IF EXISTS referrals_provision_keep;", "DROP TRIGGER IF EXISTS referrals_provision_fixed;"]
POSTGRES_CREATE = [
    """
    CREATE OR REPLACE FUNCTION referrals_provision_keep() RETURNS trigger AS $$
    BEGIN
        IF OLD.keep_until > current_date THEN
            RAISE EXCEPTION USING
                MESSAGE = 'provision records are kept until keep_until',
                ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER referrals_provision_keep BEFORE DELETE ON referrals_provision "
    "FOR EACH ROW EXECUTE FUNCTION referrals_provision_keep();",
    "CREATE TRIGGER referrals_provision_no_truncate BEFORE TRUNCATE ON referrals_provision "
    "FOR EACH STATEMENT EXECUTE FUNCTION referrals_provision_keep_all();",
]
POSTGRES_CREATE.insert(
    0,
    """
    CREATE OR REPLACE FUNCTION referrals_provision_keep_all() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'provision records cannot be truncated',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
)
POSTGRES_CREATE += [
    f"""
    CREATE OR REPLACE FUNCTION referrals_provision_fixed() RETURNS trigger AS $$
    BEGIN
        IF ({", ".join("NEW." + c for c in FIXED)}) IS DISTINCT FROM ({", ".join("OLD." + c for c in FIXED)}) THEN
            RAISE EXCEPTION USING
                MESSAGE = 'provision records cannot be changed but for the receipt',
                ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER referrals_provision_fixed BEFORE UPDATE ON referrals_provision "
    "FOR EACH ROW EXECUTE FUNCTION referrals_provision_fixed();",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS referrals_provision_fixed ON referrals_provision;",
    "DROP FUNCTION IF EXISTS referrals_provision_fixed();",
    "DROP TRIGGER IF EXISTS referrals_provision_no_truncate ON referrals_provision;",
    "DROP TRIGGER IF EXISTS referrals_provision_keep ON referrals_provision;",
    "DROP FUNCTION IF EXISTS referrals_provision_keep();",
    "DROP FUNCTION IF EXISTS referrals_provision_keep_all();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor[schema_editor.connection.vendor]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_referrals")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
