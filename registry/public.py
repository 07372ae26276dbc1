"""What the public sees of each record: published querysets with only their published relations.

Every public page, download and the API read records through these functions, so the one rule
(`published()` on each model's queryset) is applied to the record and to everything it shows
beside it: a draft party institution, modelled-on programme, branch or source never comes along.
A forward relation prefetched with a published queryset reads as None when the related record
is a draft, so templates and serializers need no `is_published` check of their own.
"""

from functools import cache, wraps

from django.db.models import Prefetch

from . import models


def built_once(make):
    """Build a queryset once per process and give each caller a copy of it (`.all()`, as Django's
    generic views copy a view's `queryset`). Building the published() condition of quotes and
    parties, a correlated EXISTS for each kind of record they may belong to, took a fifth of a
    record's page each time."""
    built = cache(make)

    @wraps(make)
    def copy(*args):
        return built(*args).all()

    return copy


@built_once
def published_citations():
    return models.Citation.objects.published().select_related("source")


@built_once
def published_parties(model):
    """The published parties of an agreement or programme (AgreementParty, ProgrammeParticipant)."""
    return model.objects.published()


def citations():
    """Prefetch the published quotes of a record, with their sources."""
    return Prefetch("citations", queryset=published_citations())


def status_steps(model):
    """Prefetch the public status steps of an agreement or programme, with their sources."""
    return Prefetch("status_steps", queryset=model.objects.published().select_related("source"))


def parties(name, model):
    """Prefetch the published parties of an agreement or programme, with their regions."""
    return Prefetch(
        name,
        queryset=published_parties(model)
        .select_related("institution", "country")
        .prefetch_related("regions__country"),
    )


def institutions():
    return (
        models.Institution.objects.published()
        .select_related("country", "region__country")
        .prefetch_related(citations())
    )


def branches():
    return (
        models.Branch.objects.published()
        .select_related("institution", "country", "region__country")
        .prefetch_related("fields", citations())
    )


def agreements():
    return models.Agreement.objects.published().prefetch_related(
        parties("parties", models.AgreementParty),
        "fields",
        status_steps(models.AgreementStatusStep),
        citations(),
    )


def programmes():
    return models.Programme.objects.published().prefetch_related(
        Prefetch("modelled_on", queryset=models.Programme.objects.published()),
        parties("participants", models.ProgrammeParticipant),
        "target_countries",
        "target_regions__country",
        "fields",
        status_steps(models.ProgrammeStatusStep),
        citations(),
    )


def indicators():
    return models.Indicator.objects.published().prefetch_related("countries", "regions__country", citations())


def sources():
    return models.Source.objects.published()


def countries():
    return models.Country.objects.all()


def regions():
    return models.Region.objects.select_related("country")


def fields_of_study():
    return models.FieldOfStudy.objects.all()


#: The public queryset of each model that has public pages: a record with all it shows on its
#: own page, in a download and in the API.
QUERYSETS = {
    models.Institution: institutions,
    models.Branch: branches,
    models.Agreement: agreements,
    models.Programme: programmes,
    models.Indicator: indicators,
    models.Source: sources,
}


# What a row of a public list shows, and no more: the same records (each model's published()),
# without the quotes, status steps and other relations only a record's own page shows. A page of
# a list reads its 25 records with these (views.RegistryListView, pagination.ListPaginator).


def institution_rows():
    return models.Institution.objects.published().select_related("country")


def branch_rows():
    return (
        models.Branch.objects.published().select_related("institution", "country").prefetch_related("fields")
    )


def agreement_rows():
    named = published_parties(models.AgreementParty).select_related("institution")
    return models.Agreement.objects.published().prefetch_related(Prefetch("parties", queryset=named))


def programme_rows():
    return models.Programme.objects.published().prefetch_related("target_countries")


def indicator_rows():
    return models.Indicator.objects.published().prefetch_related("countries")


ROWS = {
    models.Institution: institution_rows,
    models.Branch: branch_rows,
    models.Agreement: agreement_rows,
    models.Programme: programme_rows,
    models.Indicator: indicator_rows,
    models.Source: sources,
}
