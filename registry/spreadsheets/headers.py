"""Column headers: a file with Russian or English headers is read whatever the UI language is,
and whatever the case, ё or е, non-breaking or repeated spaces."""

import re

from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext

from .readers import FileRefused, column_letter
from .reports import unknown_headers_message


def fold_header(text):
    """Return a header as compared: case, ё/е, NBSP and runs of spaces folded."""
    # \s matches NBSP too.
    return re.sub(r"\s+", " ", force_str(text or "")).strip().casefold().replace("ё", "е")


def header_aliases(resource):
    """Return {folded header in any UI language, or field name: the column's current header}."""
    aliases = {}
    current = {name: force_str(field.column_name) for name, field in resource.fields.items()}
    declared = type(resource).fields  # still lazy, so each language can be asked
    for language in ("ru", "en"):
        with translation.override(language):
            for name, field in declared.items():
                aliases[fold_header(field.column_name)] = current[name]
    for name in resource.fields:
        aliases.setdefault(fold_header(name), current[name])
    return aliases


def header_matcher(resource):
    """Return a function that scores a header row by how many of its cells are this resource's."""
    aliases = header_aliases(resource)
    return lambda headers: sum(1 for header in headers if fold_header(header) in aliases)


def resolve_headers(resource, headers):
    """Return the file's headers as the resource's column names.

    Unknown headers, and two columns that mean the same field ("Город" twice, or "Город" and
    "City"), are refused with the columns named.
    """
    aliases = header_aliases(resource)
    folded = [fold_header(h) for h in headers]
    unknown = [force_str(h).strip() for h, f in zip(headers, folded, strict=True) if f and f not in aliases]
    if unknown:
        raise FileRefused(unknown_headers_message(resource, unknown))
    seen = {}
    for index, key in enumerate(folded):
        if not key:
            continue
        column = aliases[key]
        if column in seen:
            first = seen[column]
            raise FileRefused(
                gettext(
                    "Столбцы %(first)s («%(first_header)s») и %(second)s («%(second_header)s») означают "
                    "одно и то же — «%(column)s». Оставьте один из них."
                )
                % {
                    "first": column_letter(first),
                    "first_header": force_str(headers[first]).strip(),
                    "second": column_letter(index),
                    "second_header": force_str(headers[index]).strip(),
                    "column": column,
                }
            )
        seen[column] = index
    return [aliases.get(key, "") for key in folded]
