"""Former record codes: a renamed record keeps answering to its old code, forever.

Public pages redirect an old code permanently to the record's current URL, and imports read an
old code as the record's current one — both through `resolve_slug`.
"""

from slugify import slugify

from .models import SlugRedirect


def model_label(model):
    return model._meta.label_lower


def remember_old_slug(record):
    """Before a record is saved, keep its stored code if the new one differs."""
    if record._state.adding or record.pk is None:
        return
    model = type(record)
    stored = getattr(record, "_stored_slug", None)
    if stored is None:
        stored = model._default_manager.filter(pk=record.pk).values_list("slug", flat=True).first()
    if stored is None or stored == record.slug:
        return
    # A record renamed back to a former code simply answers to it again: a live code always wins.
    SlugRedirect.objects.update_or_create(
        model=model_label(model), old_slug=stored, defaults={"record_id": record.pk}
    )
    record._stored_slug = record.slug


def hand_over_codes(dropped, kept):
    """Make the dropped record's code, and the former codes it answered to, lead to the kept one
    (a merge of duplicates). Return the ids of the former codes that pointed at the dropped record,
    so that undoing the merge can point them back."""
    label = model_label(type(kept))
    former = SlugRedirect.objects.filter(model=label, record_id=dropped.pk)
    moved = list(former.values_list("pk", flat=True))
    former.update(record_id=kept.pk)
    SlugRedirect.objects.update_or_create(model=label, old_slug=dropped.slug, defaults={"record_id": kept.pk})
    return moved


def take_back_code(model, code):
    """Forget that `code` is a former code: its record exists again (a merge undone)."""
    SlugRedirect.objects.filter(model=model_label(model), old_slug=code).delete()


def former_codes(model):
    """Return {former code: current code} for every renamed record of `model` (one query each for
    the redirects and their records; usually none), leaving out codes a live record has again."""
    redirects = dict(
        SlugRedirect.objects.filter(model=model_label(model)).values_list("old_slug", "record_id")
    )
    if not redirects:
        return {}
    current = dict(model._default_manager.filter(pk__in=redirects.values()).values_list("pk", "slug"))
    live = set(model._default_manager.filter(slug__in=redirects).values_list("slug", flat=True))
    return {old: current[pk] for old, pk in redirects.items() if pk in current and old not in live}


def resolve_slug(model, code):
    """Return the current code of the record of `model` known by `code`, a current or former one.

    A code that names no record, now or before, is returned unchanged.
    """
    code = str(code).strip()
    if model._default_manager.filter(slug=code).exists():
        return code
    record_id = (
        SlugRedirect.objects.filter(model=model_label(model), old_slug=code)
        .values_list("record_id", flat=True)
        .first()
    )
    if record_id is None:
        return code
    return model._default_manager.filter(pk=record_id).values_list("slug", flat=True).first() or code


#: The fields a record's code is made from, in order of preference: an English name is closest to
#: the Latin code staff would choose, a Russian one is transliterated.
NAME_FIELDS = ["name_en", "title_en", "name_ru", "name", "title"]


def slug_from_name(model, names, exclude_pk=None):
    """Return an unused code for a record of `model`, made from the first non-empty of `names`.

    Cyrillic is transliterated to lower-case Latin by python-slugify (ASCII by text-unidecode).
    """
    text = next((str(names[field]) for field in NAME_FIELDS if names.get(field)), "")
    base = slugify(text, max_length=90, word_boundary=True) or model._meta.model_name
    taken = model._default_manager.exclude(pk=exclude_pk)
    slug, n = base, 1
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
