"""Trigram indexes for substring search: pg_trgm on PostgreSQL, FTS5 on SQLite.

Everything this migration creates is written out here, as it was when it was written, so a later
change to registry/search.py (which reads these indexes, and looks for them again after every
migrate) cannot change what it does.
"""

from django.db import migrations, transaction

SEARCHABLE_TABLES = [
    "registry_institution",
    "registry_branch",
    "registry_agreement",
    "registry_programme",
    "registry_source",
    "registry_indicator",
]


def create_trigram_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        create_postgresql_indexes(schema_editor)
    elif vendor == "sqlite" and sqlite_has_trigram(schema_editor.connection):
        for table in SEARCHABLE_TABLES:
            for statement in sqlite_statements(table):
                schema_editor.execute(statement)


def drop_trigram_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in SEARCHABLE_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_search_trgm"')
        elif vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_search_{suffix}"')
            schema_editor.execute(f'DROP TABLE IF EXISTS "{table}_search"')


def create_postgresql_indexes(schema_editor):
    try:
        # Creating the extension needs rights a hosted database may not grant; search still
        # works without the index, only slower.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # no pg_trgm here: keep the plain scan
        return
    for table in SEARCHABLE_TABLES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" '
            "USING gin (search_text gin_trgm_ops)"
        )


def sqlite_has_trigram(db):
    with db.cursor() as cursor:
        try:
            cursor.execute("CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')")
            cursor.execute("DROP TABLE temp.trigram_probe")
        except Exception:  # an SQLite without FTS5 or its trigram tokenizer (before 3.34)
            return False
    return True


def sqlite_statements(table):
    index = f"{table}_search"
    delete = (
        f'INSERT INTO "{index}"("{index}", rowid, search_text) VALUES (\'delete\', old.id, old.search_text);'
    )
    insert = f'INSERT INTO "{index}"(rowid, search_text) VALUES (new.id, new.search_text);'
    return [
        f"CREATE VIRTUAL TABLE \"{index}\" USING fts5(search_text, content='{table}', content_rowid='id', "
        "tokenize='trigram')",
        f'CREATE TRIGGER "{index}_ai" AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER "{index}_ad" AFTER DELETE ON "{table}" BEGIN {delete} END',
        f'CREATE TRIGGER "{index}_au" AFTER UPDATE OF search_text ON "{table}" BEGIN {delete} {insert} END',
        f'INSERT INTO "{index}"("{index}") VALUES (\'rebuild\')',
    ]


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_list_order_indexes")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
