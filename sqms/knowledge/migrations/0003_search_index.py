"""The full-text index of articles' search words: a GIN index on PostgreSQL, an FTS5 table on
SQLite (kept in sync by sqms.knowledge.search.sync_index). Other databases search unindexed."""

from django.db import migrations

PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin ON knowledge_article "
    "USING gin (to_tsvector('simple'::regconfig, search_text))"
)
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts USING fts5(search_text)"
)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INDEX)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        # Articles written before the table existed.
        schema_editor.execute(
            "INSERT INTO knowledge_article_fts (rowid, search_text) "
            "SELECT id, search_text FROM knowledge_article"
        )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_article_search_gin")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS knowledge_article_fts")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_roles")]

    operations = [migrations.RunPython(create_index, drop_index)]
