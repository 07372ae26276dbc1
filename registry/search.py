"""Search that understands names, the same on every database, and stays fast at 100 000 rows.

People look records up by whatever name they have: "МГУ", "mgu", "Lomonosov", "оренбургских
вузов", "Әл-Фараби". ``normalise_for_search`` is the one place where search text is made, for
the indexed text and the query alike. Each word is folded (case, ё→е, Kazakh letters onto their
Russian neighbours), then

* a Cyrillic word is cut to its Snowball Russian stem, so "оренбургских", "оренбургский" and
  "Оренбургской" all become "оренбургск";
* a Latin word is cut to a *Latin key*: spelling variants of romanised Russian folded together
  (kh/h, y/i/j, ts/c, shch/sch/sh, zh/z, doubled letters) and the endings cut, so "Skolkovskiy",
  "Skolkovskii" and "Skolkovsky" agree, and "Skolkovo" is found inside them.

A record's ``search_text`` (``search_document``) holds each of its names normalised, and also
each Cyrillic name romanised (anyascii, a maintained transliteration table) and normalised, so a
Latin query finds a Cyrillic name. Names are kept apart by "|", other text follows "~":
"| мгу | mgu | московск ... |~ москв moskv msu". That lets a query rank records: the query
equal to a whole name first, a name starting with it next, then the rest (``rank_by_match``).

A query matches a record when each of its words occurs in the record's search text, or in the
search text of a record it is found through (``search_through``: a branch through its
institution, an agreement through its parties' institutions), computed in the query, never
copied, so saving an institution touches none of its branches.

A substring search scans the whole table unless a trigram index serves it. On PostgreSQL that is
a pg_trgm GIN index, which LIKE uses by itself. On SQLite it is an FTS5 table with the trigram
tokenizer kept in step by triggers (migration 0004); words of three letters or more are looked
up there as phrases. Where neither could be created, the same search runs as a scan.

The rules live here only; after changing them, ``manage.py reindex_search`` rewrites the stored
text of every record.
"""

import re
from functools import lru_cache, reduce
from operator import and_, or_

import snowballstemmer
from anyascii import anyascii
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.db.models.lookups import Contains

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
#: Kazakh letters folded onto the Russian letters a Russian speaker would type for them.
_KAZAKH_TO_RUSSIAN = str.maketrans("қңғүұөәіһ", "кнгууоаих")
#: Romanised Russian is spelt many ways; each pair folds one variant onto one form.
_LATIN_VARIANTS = [
    ("shch", "sh"),
    ("sch", "sh"),
    ("kh", "h"),
    ("zh", "z"),
    ("ts", "c"),
    ("tz", "c"),
    ("cz", "c"),
    ("x", "ks"),
    ("w", "v"),
    ("q", "k"),
    ("ph", "f"),
    ("j", "i"),
    ("y", "i"),
]
_DOUBLED = re.compile(r"([a-z])\1+")
_I_BETWEEN_VOWELS = re.compile(r"(?<=[aeou])i(?=[aeou])")
#: Russian endings as they look romanised and folded; cut so word forms agree in Latin too.
_LATIN_ENDINGS = re.compile(r"(?:ogo|ego|omu|emu|imi|ami|ih|oi|ei|om|em|ui|aia|aa|[aeiou]+)$")
_MIN_STEM = 3
_russian = snowballstemmer.stemmer("russian")

SEARCHABLE_TABLES = [
    "registry_institution",
    "registry_branch",
    "registry_agreement",
    "registry_programme",
    "registry_source",
    "registry_indicator",
]


def fold(text):
    """Return the text casefolded, with ё→е and Kazakh letters folded onto Russian ones."""
    return str(text).casefold().replace("ё", "е").translate(_KAZAKH_TO_RUSSIAN)


@lru_cache(maxsize=200_000)
def search_key(word):
    """Return the form one folded word takes in search text: a Russian stem or a Latin key."""
    if _CYRILLIC.search(word):
        return _russian.stemWord(word)
    if _LATIN.search(word):
        return latin_key(word)
    return word


def latin_key(word):
    for variant, form in _LATIN_VARIANTS:
        word = word.replace(variant, form)
    word = _I_BETWEEN_VOWELS.sub("", _DOUBLED.sub(r"\1", word))
    cut = _LATIN_ENDINGS.sub("", word)
    return cut if len(cut) >= _MIN_STEM else word


def normalise_for_search(*parts):
    """Return the parts as one string of search keys: the words folded and stemmed, space-separated."""
    text = fold(" ".join(str(part) for part in parts if part))
    return " ".join(search_key(word) for word in _NOT_WORD.sub(" ", text).split())


def romanise(text):
    """Return the text in Latin letters (anyascii's table), Kazakh letters folded first."""
    return anyascii(fold(text))


def search_document(names, details=()):
    """Return a record's search text: each name normalised, Cyrillic ones also romanised, kept
    apart by "|" so a query can equal or start a whole name; then, after "~", the other text it
    may be found by (city, code, notes), which never counts as a name."""
    return "".join(f"| {form} " for form in _forms(names)) + "|~ " + " ".join(_forms(details))


def _forms(texts):
    forms = []
    for text in texts:
        if not text:
            continue
        for form in (
            normalise_for_search(text),
            _CYRILLIC.search(fold(text)) and normalise_for_search(romanise(text)),
        ):
            if form and form not in forms:
                forms.append(form)
    return forms


#: A query's first distinct words that count: each is one more condition, and a thousand of them
#: overflow SQLite's expression tree (a 500) while finding nothing a dozen would not.
MAX_SEARCH_WORDS = 12


def search_words(query):
    return list(dict.fromkeys(normalise_for_search(query).split()))[:MAX_SEARCH_WORDS]


def search_filter(query, model=None, through_drafts=False):
    """Return a Q matching records where every word of the query occurs in the record's search
    text or in that of a record it is found through (``model.search_through``) — a published one
    unless ``through_drafts``."""
    words = search_words(query)
    if not words:
        return Q()
    return reduce(and_, (_word_filter(word, model, through_drafts) for word in words))


def _word_filter(word, model, through_drafts):
    if model is None:
        return Q(search_text__contains=word)
    alternatives = [_text_filter(word, model._meta.db_table, "")]
    for path, target in getattr(model, "search_through", ()):
        # The (published) records the word finds, then the records they belong to: a subquery,
        # not a join, so that a record found through two of its parties is listed once. From the
        # word's side, the index narrows the set first (two words: half the time of checking the
        # word on every party of every record, at 20 000 institutions).
        found = target._base_manager if through_drafts else target.objects.published()
        found = found.filter(_text_filter(word, target._meta.db_table, "")).values("pk")
        alternatives.append(Q(pk__in=model._base_manager.filter(**{f"{path}__in": found}).values("pk")))
    return reduce(or_, alternatives)


def name_filter(text, model):
    """Return a Q matching records one of whose names folds to the same text, or None.

    The whole name, every word in its place: not search_words, which drops a repeated word
    ("Technical School of Technical") and stops at MAX_SEARCH_WORDS. One phrase is one condition."""
    phrase = normalise_for_search(text)
    if not phrase:
        return None
    table = model._meta.db_table
    if connection.vendor == "sqlite":
        return _text_filter(f"| {phrase} |", table, "")  # FTS5 finds a phrase as fast as a word
    # pg_trgm: each word is looked up through the index, and the whole name checked only on the
    # rows they find (an expression no index is on): looked up itself, the phrase's spaces and
    # "|" make trigrams most names share, 5× the index reads (`make bench`, "reconcile").
    words = reduce(and_, (_text_filter(word, table, "") for word in search_words(phrase)))
    whole = Contains(Concat(F("search_text"), Value(""), output_field=TextField()), f"| {phrase} |")
    return words & Q(whole)


def fragment_filter(fragment, model):
    """Return a Q matching records whose own search text holds the folded fragment."""
    return _text_filter(fragment, model._meta.db_table, "")


def _text_filter(word, table, prefix):
    if len(word) >= 3 and connection.vendor == "sqlite" and table in sqlite_trigram_tables():
        # A phrase of the trigram tokenizer matches as a substring, like LIKE '%word%', but from
        # the index alone (LIKE rereads each candidate's text). Search keys hold letters, digits,
        # spaces and "|" only: nothing to quote.
        rows = RawSQL(f'SELECT rowid FROM "{table}_search" WHERE search_text MATCH %s', [f'"{word}"'])
        return Q(**{f"{prefix}pk__in": rows})
    return Q(**{f"{prefix}search_text__contains": word})


def rank_by_match(query, model=None):
    """Return an expression ranking records 0 when the query is their code or a whole name equals
    it, 1 when a name starts with it, 2 otherwise."""
    words = search_words(query)
    field = "search_text"
    if not words:
        return Value(2, output_field=IntegerField())
    phrase = " ".join(words)
    # "gen-3-8449" is that record's code, before gen-3-18449 that merely holds it.
    by_code = [When(slug=query.strip().lower(), then=Value(0))] if model and hasattr(model, "slug") else []
    return Case(
        *by_code,
        When(**{f"{field}__contains": f"| {phrase} |"}, then=Value(0)),
        When(**{f"{field}__contains": f"| {phrase}"}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


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
