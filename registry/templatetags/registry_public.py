"""Template helpers of the public pages: texts in the reader's language, the current section."""

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.text import normalize_newlines
from django.utils.translation import get_language

from registry.citing import cited_name
from registry.models import in_reader_language

register = template.Library()


@register.simple_tag
def translated(record, field, linebreaks=False):
    """Render the record's text in the reader's language, Russian marked lang="ru" if untranslated."""
    text, language = in_reader_language(record, field)
    html = conditional_escape(text)
    if linebreaks:
        html = html.__class__(normalize_newlines(html).replace("\n", "<br>"))
    return in_language(html, language)


def in_language(html, language):
    """Mark text that is not in the reader's language with its own."""
    if language == _reader_language():
        return conditional_escape(html)
    return format_html('<span lang="{}">{}</span>', language, html)


@register.simple_tag
def record_name(record):
    """Render a record's name as it is cited (citing.cited_name), each part not in the reader's
    language marked with its own."""
    return cited_name(record, mark=in_language)


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label, *sections):
    """A navigation link, marked aria-current="page" on its own section's pages."""
    from django.urls import reverse

    match = getattr(context.get("request"), "resolver_match", None)
    current = match is not None and (match.view_name == url_name or match.url_name in sections)
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', reverse(url_name), label)
    return format_html('<a href="{}">{}</a>', reverse(url_name), label)


def _reader_language():
    return (get_language() or "ru").split("-")[0]


@register.simple_tag
def city(name, country):
    """Render a city stored in Russian: its GeoNames English name on English pages, else marked."""
    from registry.maps import city_english_name

    if not name or _reader_language() == "ru":
        return name
    if _reader_language() == "en":
        english = city_english_name(name, getattr(country, "code", country))
        if english:
            return english
    return format_html('<span lang="ru">{}</span>', name)


@register.simple_tag
def place(record):
    """Render where an institution or branch is: country, region, city; a region that is the city
    itself (Москва, Алматы) is written once."""
    parts = [conditional_escape(record.country)] if record.country_id else []
    if record.region_id and record.region.name != record.city:
        parts.append(conditional_escape(record.region))
    if record.city:
        parts.append(conditional_escape(city(record.city, record.country)))
    return format_html_join(", ", "{}", ((part,) for part in parts))


@register.simple_tag
def acronyms(record):
    """Render an institution's acronyms, Cyrillic ones marked lang="ru" off Russian pages."""
    if _reader_language() == "ru":
        return record.acronyms
    return format_html_join("; ", "{}", ((acronyms_part(part),) for part in record.acronym_list))


@register.simple_tag
def short_name(institution):
    """Render an institution's first acronym (a Latin one off Russian pages), else its name."""
    cyrillic = [part for part in institution.acronym_list if _is_cyrillic(part)]
    latin = [part for part in institution.acronym_list if not _is_cyrillic(part)]
    if _reader_language() != "ru" and latin:
        return latin[0]
    if institution.acronym_list:
        return acronyms_part(institution.acronym_list[0]) if cyrillic else institution.acronym_list[0]
    return record_name(institution)


def _is_cyrillic(text):
    return any("а" <= c.lower() <= "я" or c.lower() == "ё" for c in text)


def acronyms_part(part):
    if _reader_language() == "ru" or not _is_cyrillic(part):
        return part
    return format_html('<span lang="ru">{}</span>', part)
