"""Match a name, code or identifier someone has to the registry's records.

One function, ``match(model, text)``, serves the reconciliation service, the page where a
person pastes a column of names, and the import widgets. It answers with the records the text
names exactly — by code, ROR id, Wikidata id, or any name, acronym or alias once folded the way
search folds them (registry/search.py) — and, when none does, the nearest candidates scored by
rapidfuzz.

An import widget calls it like this, and turns the answer into a row error when it is not one
record::

    found = match(Institution, cell)
    if found.record is None:
        raise ValueError(found.explain())
    return found.record
"""

import re
from dataclasses import dataclass, field
from functools import cache, reduce
from operator import add, or_

from django.db.models import Case, Value, When
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from .models import ROR_WRITTEN as ROR
from .models import WIKIDATA_WRITTEN as WIKIDATA
from .models import Region
from .search import fragment_filter, name_filter, normalise_for_search, romanise, search_words
from .slugs import resolve_slug

#: Codes are Latin letters, digits, "-" and "_" (slugs, ISO and ISCED codes): "МГУ" is no code,
#: so a Cyrillic acronym costs no code lookup.
CODE = re.compile(r"^[-a-zA-Z0-9_]+$")
#: A candidate scoring less than this (out of 100) is not worth showing.
MIN_SCORE = 50
#: How many records matching some words are scored when no record matches them all.
CANDIDATE_POOL = 200
#: Words half the registry's names hold: sharing them says nothing about being the same record,
#: so a score counts only the other words (unless a name holds nothing else).
COMMON_WORDS = """
    университет институт академия колледж училище школа центр филиал государственный
    национальный федеральный исследовательский научный технический технологический
    педагогический медицинский имени им высший профессиональный образовательный образования
    учреждение бюджетное автономное российский российская казахский казахстанский
    университеті институты академиясы мемлекеттік ұлттық атындағы
    university institute academy college school centre center branch state national federal
    research technical technological pedagogical medical named after of the and for in higher
"""


@dataclass
class Candidate:
    record: object
    score: float
    matched_on: str  # "code", "ror", "wikidata", "name" or "similar"

    @property
    def code(self):
        return record_code(self.record)


@dataclass
class MatchResult:
    text: str
    exact: list = field(default_factory=list)
    nearest: list = field(default_factory=list)

    @property
    def record(self):
        """Return the one record the text names, or None when it names none or several."""
        return self.exact[0].record if len(self.exact) == 1 else None

    @property
    def candidates(self):
        return self.exact or self.nearest

    def explain(self):
        """Say in words why the text is not one record, listing what it might be."""
        listed = "; ".join(f"{candidate.code} ({candidate.record})" for candidate in self.candidates[:5])
        if len(self.exact) > 1:
            return _("«%(text)s» подходит к нескольким записям: %(list)s. Укажите код.") % {
                "text": self.text,
                "list": listed,
            }
        if self.nearest:
            return _("«%(text)s» не найдено. Похожие: %(list)s.") % {"text": self.text, "list": listed}
        return _("«%(text)s» не найдено.") % {"text": self.text}


def record_code(record):
    """Return the code a record is known by in spreadsheets: its slug, ISO or ISCED code."""
    if hasattr(record, "slug"):
        return record.slug
    if hasattr(record, "code"):
        return record.code
    return f"{record.country.code}: {record.name}"  # a region


def match(model, text, queryset=None, limit=5):
    """Return the records of ``model`` the text names exactly, or else the nearest ones."""
    text = str(text or "").strip()
    result = MatchResult(text)
    if not text:
        return result
    queryset = model._default_manager.all() if queryset is None else queryset
    for record, how in _by_identifier(model, queryset, text):
        result.exact.append(Candidate(record, 100.0, how))
    if not result.exact and (by_name := name_filter(text, model)) is not None:
        named = queryset.filter(by_name).order_by("pk")[: limit + 1]
        result.exact = [Candidate(record, 100.0, "name") for record in named]
    if not result.exact:
        result.nearest = _nearest(queryset, text, limit)
    result.exact = result.exact[:limit]
    return result


def _by_identifier(model, queryset, text):
    fields = {f.name for f in model._meta.get_fields()}
    found = []
    # Exact lookups in the spellings codes are kept in, so the unique index serves them; a text
    # with spaces is no code, so a name costs no lookup here.
    is_code = CODE.match(text) is not None
    if "slug" in fields and is_code:
        codes = {text, text.lower()}
        by_code = list(queryset.filter(slug__in=codes))
        if not by_code:  # a former code leads to the record; looked up only when no code matched
            by_code = list(queryset.filter(slug__in={resolve_slug(model, code) for code in codes}))
        found += [(r, "code") for r in by_code]
    elif "code" in fields and is_code:
        found += [(r, "code") for r in queryset.filter(code__in={text, text.upper()})]
    elif model is Region and ":" in text:  # a region as "KZ: Алматы"
        country, name = (part.strip() for part in text.split(":", 1))
        if (by_name := name_filter(name, model)) is not None:
            found += [(r, "code") for r in queryset.filter(by_name, country__code__iexact=country)]
    if "ror_id" in fields and (ror := ROR.match(text)):
        found += [(r, "ror") for r in queryset.filter(ror_id=ror.group(1).lower())]
    if "wikidata_id" in fields and (qid := WIKIDATA.match(text)):
        found += [(r, "wikidata") for r in queryset.filter(wikidata_id=qid.group(1).upper())]
    return found


def _nearest(queryset, text, limit):
    """Score the records that share words (or their first letters) with the text."""
    words = search_words(text)
    if not words:
        return []
    pool = list(queryset.search(text)[:CANDIDATE_POOL])
    if len(pool) < limit:
        # No record holds every word (a typo, "Ломоносва"; a word the name lacks): widen to the
        # records holding the most of the query's distinctive words or their first letters, so
        # that "…№4165 extra" still brings №4165 before the many sharing only "горный".
        stems = {word[:4] if len(word) > 4 else word for word in distinctive(words)}
        held = [fragment_filter(stem, queryset.model) for stem in stems]
        shared = reduce(add, (Case(When(one, then=Value(1)), default=Value(0)) for one in held))
        widened = (
            queryset.filter(reduce(or_, held))
            .annotate(words_shared=shared)
            .order_by("-words_shared", "pk")[:CANDIDATE_POOL]
        )
        seen = {record.pk for record in pool}
        pool += [record for record in widened if record.pk not in seen]
    query = " ".join(words)
    scored = [Candidate(record, similarity(query, record.search_text), "similar") for record in pool]
    scored = [candidate for candidate in scored if candidate.score >= MIN_SCORE]
    return sorted(scored, key=lambda c: (-c.score, c.code))[:limit]


@cache
def common_keys():
    """Return the search keys of COMMON_WORDS as names hold them: stemmed and romanised."""
    return frozenset(normalise_for_search(COMMON_WORDS).split()) | frozenset(
        normalise_for_search(romanise(COMMON_WORDS)).split()
    )


def distinctive(words):
    """Return the words that tell one name from another: no common word and no initial."""
    kept = [word for word in words if word not in common_keys() and len(word) > 1]
    return kept or words


def similarity(query, search_text):
    """Return 0–100: how close the folded query is to the closest of a record's names.

    Each distinctive word of the query is paired with the closest one of the name and the other
    way round, and the closeness averaged over both: a word either has and the other lacks
    counts against, and words every university shares count for nothing. Below 100, which
    only a name given exactly scores.
    """
    asked = distinctive(query.split())
    names = [name.split() for name in search_text.split("|~")[0].split("|") if name.strip()]
    return min(99.0, round(max((_closeness(asked, distinctive(name)) for name in names), default=0.0), 1))


def _closeness(asked, named):
    best_asked = [max(fuzz.ratio(word, other) for other in named) for word in asked]
    best_named = [max(fuzz.ratio(word, other) for other in asked) for word in named]
    return (sum(best_asked) + sum(best_named)) / (len(asked) + len(named))
