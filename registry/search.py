"""Search that folds Russian the same way on every database.

SQLite's LIKE folds ASCII letters only, so ``icontains("мгу")`` never finds "МГУ" there. Each
searchable record keeps ``search_text``: every name variant run through ``normalise_for_search``.
A query is normalised the same way and each of its words must occur in that text; both sides are
already folded, so a plain ``contains`` does the same thing on SQLite and PostgreSQL.
"""

import re
from functools import reduce
from operator import and_

from django.db.models import Q

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise_for_search(*parts):
    """Return the parts as one folded string: casefold, ё→е, punctuation to single spaces."""
    text = " ".join(str(part) for part in parts if part)
    text = text.casefold().replace("ё", "е")
    return _NOT_WORD.sub(" ", text).strip()


def search_words(query):
    return normalise_for_search(query).split()


def search_filter(query, field="search_text"):
    """Return a Q matching records whose search text holds every word of the query."""
    words = search_words(query)
    if not words:
        return Q()
    return reduce(and_, (Q(**{f"{field}__contains": word}) for word in words))
