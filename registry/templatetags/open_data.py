"""How to cite a record, and its schema.org description as JSON-LD, on its detail page."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from registry import citing, models
from registry.templatetags.registry_public import in_language

register = template.Library()

#: As json_script escapes: nothing in the data can close the <script> element or open a comment.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def how_to_cite(context, record):
    url = context["request"].build_absolute_uri(record.get_absolute_url())
    return citing.how_to_cite(record, url, mark=in_language)


def describe(record, url):
    """Return the schema.org description of a record."""
    data = {"@context": "https://schema.org", "name": record.display_name, "url": url}
    if isinstance(record, models.Institution):
        data["@type"] = "EducationalOrganization"
        data["legalName"] = record.name
        data["alternateName"] = [n for n in (record.name_en, record.name_kk, *record.acronym_list) if n]
        data["sameAs"] = [link for link in (record.ror_url, record.wikidata_url, record.website) if link]
        data["address"] = {"@type": "PostalAddress", "addressCountry": record.country.code}
        if record.city:
            data["address"]["addressLocality"] = record.city
        if record.founded_year:
            data["foundingDate"] = str(record.founded_year)
    elif isinstance(record, models.Branch):
        data["@type"] = "EducationalOrganization"
        data["parentOrganization"] = {
            "@type": "EducationalOrganization",
            "name": record.institution.display_name,
            "url": url.replace(record.get_absolute_url(), record.institution.get_absolute_url()),
        }
        data["address"] = {"@type": "PostalAddress", "addressCountry": record.country.code}
    elif isinstance(record, models.Source):
        data.update({"@type": "Article", "headline": record.title, "datePublished": record.published_on})
        data["publisher"] = {"@type": "Organization", "name": record.publisher}
        if record.url:
            data["sameAs"] = [record.url]
    else:
        data["@type"] = "CreativeWork"
    data["dateModified"] = record.updated_at
    data["license"] = settings.DATA_LICENCE_URL
    return data


@register.simple_tag(takes_context=True)
def json_ld(context, record):
    """Render the record's JSON-LD: data, not script, escaped as json_script escapes."""
    url = context["request"].build_absolute_uri(record.get_absolute_url())
    text = json.dumps(describe(record, url), cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>', mark_safe(text.translate(JSON_SCRIPT_ESCAPES))
    )
