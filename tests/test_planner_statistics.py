"""After a bulk write commits, SQLite's planner has statistics for the table (registry/statistics.py)."""

import pytest
from django.db import connection, transaction

from registry import models
from registry.statistics import analyze


def institutions(count, start=0):
    return [
        models.Institution(slug=f"s-{n}", name=f"Институт {n}", name_ru=f"Институт {n}", country_id=country())
        for n in range(start, start + count)
    ]


def country():
    return models.Country.objects.get_or_create(code="KZ", defaults={"name_ru": "Казахстан"})[0].pk


def analysed_by_us(table):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone():
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            return cursor.fetchone()[0] > 0
        cursor.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_import_sized_bulk_write_is_analysed_on_sqlite_only_once_committed():
    table = models.Institution._meta.db_table
    with transaction.atomic():
        models.Institution.objects.bulk_create(institutions(50))
        models.Institution.objects.bulk_create(institutions(50, start=50))
        assert not analysed_by_us(table)
    # PostgreSQL's autovacuum keeps its own statistics: nothing is asked of it here.
    assert analysed_by_us(table) == (connection.vendor == "sqlite")


@pytest.mark.django_db
def test_one_analyse_per_table_however_many_batches(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        models.Institution.objects.bulk_create(institutions(3))
        models.Institution.objects.bulk_create(institutions(3, start=3))
    analyses = [c for c in callbacks if getattr(c, "func", None) is analyze]
    assert len(analyses) == (1 if connection.vendor == "sqlite" else 0)
