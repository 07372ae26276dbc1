"""Likely duplicate institutions, and merging two records of one institution into one.

A merge moves everything that refers to the merged-away record (branches, parties, quotes) to
the kept one, turns its names into the kept record's aliases, and deletes it; the whole merge is
one InstitutionMerge row, from which ``revert`` puts everything back.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from .models import Institution, InstitutionMerge, split_names
from .search import normalise_for_search
from .slugs import hand_over_codes, take_back_code

#: Names at least this similar (rapidfuzz token sort ratio, 0–100) make a likely pair.
SIMILAR = 90
#: Fields the kept record takes from the merged-away one when its own are empty.
FILLED_IN = ["name_en", "name_kk", "website", "ror_id", "wikidata_id", "region_id", "city", "founded_year"]
#: Every field of the kept record a merge may change, saved so a revert can put them back.
MERGED_FIELDS = ["acronyms", "aliases", *FILLED_IN]


@dataclass
class Pair:
    first: Institution
    second: Institution
    reasons: list = field(default_factory=list)
    score: float = 0.0


def likely_duplicates(queryset=None):
    """Return pairs of institutions that are probably one, the surest first."""
    records = list((queryset or Institution.objects.all()).order_by("pk"))
    pairs = {}

    def add(a, b, reason, score):
        key = (min(a.pk, b.pk), max(a.pk, b.pk))
        first, second = (a, b) if a.pk < b.pk else (b, a)
        pair = pairs.setdefault(key, Pair(first, second))
        if reason not in pair.reasons:
            pair.reasons.append(reason)
        pair.score = max(pair.score, score)

    def same(key_of, reason):
        groups = defaultdict(list)
        for record in records:
            for key in key_of(record):
                if key:
                    groups[key].append(record)
        for group in groups.values():
            for a, b in combinations(dict.fromkeys(group), 2):
                add(a, b, reason, 100.0)

    same(lambda r: [r.ror_id], _("одинаковый ROR"))
    same(lambda r: [r.wikidata_id], _("одинаковый Wikidata"))
    same(lambda r: [website_key(r.website)], _("одинаковый сайт"))
    same(lambda r: {normalise_for_search(name) for name in r.full_names()}, _("одинаковое название"))
    # Similar names: compared within blocks of records whose names start alike, so the report
    # stays fast on a large registry.
    blocks = defaultdict(list)
    for record in records:
        key = normalise_for_search(record.name_ru)
        blocks[key[:4]].append((key, record))
    for block in blocks.values():
        for (key_a, a), (key_b, b) in combinations(block, 2):
            if (min(a.pk, b.pk), max(a.pk, b.pk)) in pairs:
                continue  # already a pair, for a surer reason
            score = fuzz.token_sort_ratio(key_a, key_b)
            if score >= SIMILAR:
                add(a, b, _("похожие названия"), round(score, 1))
    return sorted(pairs.values(), key=lambda p: (-len(p.reasons), -p.score, p.first.pk, p.second.pk))


def website_key(url):
    """Return the site's address without scheme, www. and trailing slash: what makes two equal."""
    url = (url or "").strip().lower()
    return re.sub(r"^(https?://)?(www\.)?", "", url).rstrip("/")


@transaction.atomic
def merge(kept, dropped, user=None):
    """Make ``dropped`` part of ``kept``; return the InstitutionMerge that can undo it."""
    if kept.pk == dropped.pk:
        raise ValueError(_("Нельзя объединить запись саму с собой."))
    kept_values = {name: getattr(kept, name) for name in MERGED_FIELDS}
    dropped_values = {f.attname: getattr(dropped, f.attname) for f in Institution._meta.concrete_fields}
    moved = move_references(dropped, kept)
    acronyms = kept.acronym_list
    acronyms += [a for a in dropped.acronym_list if a.casefold() not in {k.casefold() for k in acronyms}]
    kept.acronyms = "; ".join(acronyms)
    known = {normalise_for_search(name) for name in kept.search_parts()}
    aliases = split_names(kept.aliases, "\n")
    for name in [*dropped.full_names()]:
        if normalise_for_search(name) not in known:
            aliases.append(name)
            known.add(normalise_for_search(name))
    kept.aliases = "\n".join(aliases)
    filled = {name: getattr(dropped, name) for name in FILLED_IN if not getattr(kept, name)}
    record = InstitutionMerge(
        kept=kept,
        user=user,
        dropped_slug=dropped.slug,
        dropped_name=str(dropped)[:500],
        dropped_values=dropped_values,
        kept_values=kept_values,
        moved=moved,
    )
    moved["registry.slugredirect.record_id"] = hand_over_codes(dropped, kept)
    dropped.delete()  # frees its ROR and Wikidata ids for the kept record
    for name, value in filled.items():
        setattr(kept, name, value)
    kept._change_reason = f"merge: {dropped.slug}"
    kept.save()
    record.save()
    return record


def move_references(source, target):
    """Point every row that refers to ``source`` at ``target``; return what moved, by relation."""
    moved = {}
    now = timezone.now()
    for relation in Institution._meta.related_objects:
        if not relation.one_to_many:
            continue
        model, fk = relation.related_model, relation.field
        rows = model._base_manager.filter(**{fk.name: source})
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            changes = {fk.attname: target.pk}
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                changes["updated_at"] = now  # a moved branch is a changed branch
            model._base_manager.filter(pk__in=ids).update(**changes)
            moved[f"{model._meta.label_lower}.{fk.attname}"] = ids
    return moved


@transaction.atomic
def revert(merge_record):
    """Undo a merge: the merged-away record comes back with everything that referred to it."""
    if merge_record.reverted_at:
        raise ValueError(_("Это слияние уже отменено."))
    if Institution.objects.filter(slug=merge_record.dropped_slug).exists():
        raise ValueError(_("Код %s уже занят другой записью: отмена невозможна.") % merge_record.dropped_slug)
    kept = merge_record.kept
    for name, value in merge_record.kept_values.items():
        setattr(kept, name, value)
    kept._change_reason = f"merge reverted: {merge_record.dropped_slug}"
    kept.save()
    restored = Institution(**merge_record.dropped_values)
    restored._change_reason = "merge reverted"
    restored.save(force_insert=True)
    take_back_code(Institution, restored.slug)
    now = timezone.now()
    for key, ids in merge_record.moved.items():
        label, attname = key.rsplit(".", 1)
        model = apps.get_model(label)
        changes = {attname: restored.pk}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            changes["updated_at"] = now
        model._base_manager.filter(pk__in=ids).update(**changes)
    merge_record.reverted_at = now
    merge_record.save(update_fields=["reverted_at"])
    return restored
