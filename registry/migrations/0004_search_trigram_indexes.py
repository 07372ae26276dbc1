"""Trigram indexes for substring search: pg_trgm on PostgreSQL, FTS5 on SQLite (registry/search.py)."""

from django.db import migrations

from registry.search import create_trigram_indexes, drop_trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_list_order_indexes")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
