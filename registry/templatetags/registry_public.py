"""Template helpers of the public pages: texts in the reader's language, the current section."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.text import normalize_newlines
from django.utils.translation import get_language

from registry.models import in_reader_language

register = template.Library()


@register.simple_tag
def translated(record, field, linebreaks=False):
    """Render the record's text in the reader's language, Russian marked lang="ru" if untranslated."""
    text, language = in_reader_language(record, field)
    html = conditional_escape(text)
    if linebreaks:
        html = html.__class__(normalize_newlines(html).replace("\n", "<br>"))
    if language == (get_language() or "ru").split("-")[0]:
        return html
    return format_html('<span lang="{}">{}</span>', language, html)


@register.simple_tag
def record_name(record):
    """Render a record's name or title in the reader's language, marked as translated() does."""
    return translated(record, "title" if hasattr(record, "title") else "name")


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label, *sections):
    """A navigation link, marked aria-current="page" on its own section's pages."""
    from django.urls import reverse

    match = getattr(context.get("request"), "resolver_match", None)
    current = match is not None and (match.view_name == url_name or match.url_name in sections)
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', reverse(url_name), label)
    return format_html('<a href="{}">{}</a>', reverse(url_name), label)
