"""Column headers: a file with Russian or English headers is read whatever the UI language is."""

from django.utils import translation
from django.utils.encoding import force_str


def header_aliases(resource):
    """Return {header as written in any UI language, or field name: the column's current header}."""
    aliases = {}
    current = {name: force_str(field.column_name) for name, field in resource.fields.items()}
    declared = type(resource).fields  # still lazy, so each language can be asked
    for language in ("ru", "en"):
        with translation.override(language):
            for name, field in declared.items():
                aliases[force_str(field.column_name).strip().casefold()] = current[name]
    for name in resource.fields:
        aliases.setdefault(name.casefold(), current[name])
    return aliases
