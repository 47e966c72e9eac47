"""The search index's tables (tsunagu/directory/search/index.py describes them).

Database-specific, so created by SQL per vendor. The index starts empty: run
``manage.py rebuild_search_index`` after this migration on a database that already holds services.
"""

from django.db import migrations

# Copied from tsunagu.directory.search.index (a migration must not import app code).
DOC_TABLE = "directory_search_doc"
FTS_TABLE = "directory_search_fts"
WORDS_TABLE = "directory_search_words"

SQLITE_CREATE = [
    # Contentless (the words are kept in the doc table, to delete them again), detail=none and
    # columnsize=0 (only which rows hold a word: no positions, no lengths). The words are ASCII.
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(tokens, content='', detail=none, columnsize=0, tokenize='ascii')",
    # SQLite 3.40 can delete a row from a contentless FTS5 table only by repeating its words, so
    # they are kept here (search.index._pack), apart from the rows ranking reads on every search.
    f"""CREATE TABLE {WORDS_TABLE} (
        service_id INTEGER NOT NULL PRIMARY KEY,
        tokens BLOB NOT NULL
    )""",
    f"""CREATE TABLE {DOC_TABLE} (
        service_id INTEGER NOT NULL PRIMARY KEY,
        name_norm TEXT NOT NULL,
        name_kana TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        hours_from TEXT NOT NULL,
        hours_until TEXT NOT NULL
    )""",
    f"CREATE INDEX {DOC_TABLE}_order ON {DOC_TABLE} (name_kana, name, service_id)",
    f"CREATE INDEX {DOC_TABLE}_hours_from ON {DOC_TABLE} (hours_from)",
    f"CREATE INDEX {DOC_TABLE}_hours_until ON {DOC_TABLE} (hours_until)",
]
SQLITE_DROP = [
    f"DROP TABLE IF EXISTS {DOC_TABLE}",
    f"DROP TABLE IF EXISTS {WORDS_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
POSTGRES_CREATE = [
    # intarray is in PostgreSQL's contrib and marked trusted: a database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS intarray",
    # No foreign key to directory_service: Django's flush truncates the services table without
    # CASCADE, which a referencing table would refuse. index.prune() removes orphans instead.
    # "C" collation: sort keys order by code point, as on SQLite, so both give the same order.
    # parallel_workers = 0: a search reads a few thousand rows at most; starting workers costs more.
    f"""CREATE TABLE {DOC_TABLE} (
        service_id bigint NOT NULL PRIMARY KEY,
        tokens int4[] NOT NULL,
        facets int4[] NOT NULL,
        hours int4[] NOT NULL,
        name_norm text NOT NULL,
        name_kana text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        status varchar(20) NOT NULL,
        hours_from date NOT NULL,
        hours_until date NOT NULL
    ) WITH (parallel_workers = 0)""",
    f"CREATE INDEX {DOC_TABLE}_tokens ON {DOC_TABLE} USING gin (tokens gin__int_ops)",
    f"CREATE INDEX {DOC_TABLE}_facets ON {DOC_TABLE} USING gin (facets gin__int_ops)",
    f"CREATE INDEX {DOC_TABLE}_hours ON {DOC_TABLE} USING gin (hours gin__int_ops)",
    f"CREATE INDEX {DOC_TABLE}_order ON {DOC_TABLE} (name_kana, name, service_id)",
    f"CREATE INDEX {DOC_TABLE}_hours_from ON {DOC_TABLE} (hours_from)",
    f"CREATE INDEX {DOC_TABLE}_hours_until ON {DOC_TABLE} (hours_until)",
]
# The extension stays: dropping it could break anything else that came to use it.
POSTGRES_DROP = [f"DROP TABLE IF EXISTS {DOC_TABLE}"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor[schema_editor.connection.vendor]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_resources")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
