"""Search that folds Russian the same way on every database, and stays fast at 100 000 rows.

SQLite's LIKE folds ASCII letters only, so ``icontains("мгу")`` never finds "МГУ" there. Each
searchable record keeps ``search_text``: every name variant run through ``normalise_for_search``.
A query is normalised the same way and each of its words must occur in that text; both sides are
already folded, so a plain ``contains`` does the same thing on SQLite and PostgreSQL.

A substring search scans the whole table unless a trigram index serves it. On PostgreSQL that is
a pg_trgm GIN index, which LIKE uses by itself. On SQLite it is an FTS5 table with the trigram
tokenizer kept in step by triggers (both created by migration 0004); words of three letters or more are looked
up there. Where neither could be created, the same search runs as a scan.
"""

import re
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
SEARCHABLE_TABLES = [
    "registry_institution",
    "registry_branch",
    "registry_agreement",
    "registry_programme",
    "registry_source",
    "registry_indicator",
]


def normalise_for_search(*parts):
    """Return the parts as one folded string: casefold, ё→е, punctuation to single spaces."""
    text = " ".join(str(part) for part in parts if part)
    text = text.casefold().replace("ё", "е")
    return _NOT_WORD.sub(" ", text).strip()


#: A query's first distinct words that count: each is one more condition, and a thousand of them
#: overflow SQLite's expression tree (a 500) while finding nothing a dozen would not.
MAX_SEARCH_WORDS = 12


def search_words(query):
    return list(dict.fromkeys(normalise_for_search(query).split()))[:MAX_SEARCH_WORDS]


def search_filter(query, table=None):
    """Return a Q matching records whose search text holds every word of the query."""
    words = search_words(query)
    if not words:
        return Q()
    return reduce(and_, (_word_filter(word, table) for word in words))


def _word_filter(word, table):
    if table and len(word) >= 3 and connection.vendor == "sqlite" and table in sqlite_trigram_tables():
        # The word holds letters and digits only (see normalise_for_search): nothing to escape.
        return Q(
            pk__in=RawSQL(f'SELECT rowid FROM "{table}_search" WHERE search_text LIKE %s', [f"%{word}%"])
        )
    return Q(search_text__contains=word)


_trigram_tables = {}


def sqlite_trigram_tables():
    """Return the searchable tables that have their FTS5 trigram index in this database."""
    key = connection.settings_dict["NAME"]
    if key not in _trigram_tables:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_search' ESCAPE '\\'"
            )
            existing = {row[0] for row in cursor.fetchall()}
        _trigram_tables[key] = {t for t in SEARCHABLE_TABLES if f"{t}_search" in existing}
    return _trigram_tables[key]


def forget_trigram_tables(**kwargs):
    """Look again for the trigram tables (connected to post_migrate: a migration may add or drop them)."""
    _trigram_tables.clear()
