"""Public pages: anyone may read what staff have published, and take it away as a spreadsheet."""

from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import downloads, filters, models, public


def favicon(request):
    """Browsers ask for /favicon.ico on every page, the admin's included."""
    return HttpResponsePermanentRedirect(static("registry/favicon.svg"))


def healthz(request):
    """Answer 200 while the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


SUGGESTIONS = 10


def suggest_institutions(request):
    """Suggest published institutions for a search-as-you-type filter: code and name, a few at most."""
    words = request.GET.get("q", "").split()[: filters.MAX_SEARCH_WORDS]
    if not words:
        return JsonResponse({"results": []})
    found = models.Institution.objects.published().search(" ".join(words)).order_by("name_ru", "id")
    return JsonResponse({"results": [{"slug": i.slug, "name": i.display_name} for i in found[:SUGGESTIONS]]})


class HomeView(TemplateView):
    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["indicators"] = (
            models.Indicator.objects.published()
            .prefetch_related(public.citations())
            .order_by(F("value").desc(nulls_last=True), "title")
        )
        context["counts"] = [
            {"label": model._meta.verbose_name_plural, "url_name": url_name, "total": queryset.count()}
            for model, url_name, queryset in [
                (models.Institution, "institution_list", models.Institution.objects.published()),
                (models.Branch, "branch_list", models.Branch.objects.published()),
                # Cooperation whose form the source does not state is not counted as an agreement.
                (models.Agreement, "agreement_list", models.Agreement.objects.published().named()),
                (models.Programme, "programme_list", models.Programme.objects.published()),
            ]
        ]
        context["status_bars"] = status_bars()
        context["country_bars"] = country_bars()
        context["recent"] = recent_records()
        return context


def bars(rows):
    """Return rows with a width in per cent of the largest value, for the SVG bar charts."""
    largest = max((row["value"] for row in rows), default=0) or 1
    return [{**row, "width": round(100 * row["value"] / largest)} for row in rows]


def status_bars():
    labels = dict(models.Status.choices)
    rows = []
    for queryset in (models.Agreement.objects.published().named(), models.Programme.objects.published()):
        model = queryset.model
        for item in queryset.values("status").annotate(n=Count("id")).order_by("status"):
            rows.append(
                {
                    "label": f"{model._meta.verbose_name_plural}: {labels[item['status']]}",
                    "value": item["n"],
                }
            )
    return bars(rows)


def country_bars():
    """Count published institutions and hosted branches per country: one grouped count per table."""
    institutions = dict(
        models.Institution.objects.published().values_list("country").annotate(n=Count("id")).order_by()
    )
    branches = dict(
        models.Branch.objects.published().values_list("country").annotate(n=Count("id")).order_by()
    )
    rows = []
    for country in models.Country.objects.filter(pk__in={*institutions, *branches}):
        if institutions.get(country.pk):
            rows.append({"label": _("Учреждения: %s") % country.name, "value": institutions[country.pk]})
        if branches.get(country.pk):
            rows.append({"label": _("Филиалы в стране: %s") % country.name, "value": branches[country.pk]})
    return bars(rows)


def recent_records(limit=8):
    records = []
    for model in (models.Institution, models.Branch, models.Agreement, models.Programme, models.Indicator):
        records += list(model.objects.published().order_by("-updated_at")[:limit])
    return sorted(records, key=lambda r: r.updated_at, reverse=True)[:limit]


class RegistryListView(FilterView):
    """A filtered, sorted, paged list of published records that downloads as CSV, XLSX or JSON.

    An invalid filter (a year out of range, an unknown country) gives the same answer on the page
    and in the download: 400, the form's message, and no records.
    """

    paginate_by = 25
    template_name_suffix = "_list"

    def get_queryset(self):
        return public.QUERYSETS[self.model]()

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "heading": capfirst(self.model._meta.verbose_name_plural),
            "download_max_rows": downloads.max_rows(),
        }

    def get(self, request, *args, **kwargs):
        file_format = request.GET.get("download", "")
        if file_format not in downloads.FORMATS:
            response = super().get(request, *args, **kwargs)
            if self.filterset.is_bound and not self.filterset.is_valid():
                response.status_code = 400
            return response
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_valid():
            return HttpResponse(
                invalid_filters(filterset), status=400, content_type="text/plain; charset=utf-8"
            )
        return downloads.download(self.model, filterset.qs, file_format, request)


def invalid_filters(filterset):
    return "\n".join(
        f"{filterset.form.fields[name].label if name in filterset.form.fields else name}: {error}"
        for name, errors in filterset.errors.items()
        for error in errors
    )


class InstitutionListView(RegistryListView):
    model = models.Institution
    filterset_class = filters.InstitutionFilter


class BranchListView(RegistryListView):
    model = models.Branch
    filterset_class = filters.BranchFilter


class AgreementListView(RegistryListView):
    model = models.Agreement
    filterset_class = filters.AgreementFilter


class ProgrammeListView(RegistryListView):
    model = models.Programme
    filterset_class = filters.ProgrammeFilter


class SourceListView(RegistryListView):
    model = models.Source
    filterset_class = filters.SourceFilter

    def get_queryset(self):
        # How many published quotes each source backs, counted in one subquery.
        counts = (
            models.Citation.objects.published()
            .filter(source=OuterRef("pk"))
            .order_by()
            .values("source")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset()
            .annotate(citation_count=Coalesce(Subquery(counts), Value(0)))
            .order_by(*models.Source._meta.ordering)
        )


class RegistryDetailView(DetailView):
    def get_queryset(self):
        return public.QUERYSETS[self.model]()


class InstitutionDetailView(RegistryDetailView):
    model = models.Institution

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("branches", queryset=models.Branch.objects.published().select_related("country")),
                Prefetch(
                    "agreementparty_set",
                    queryset=models.AgreementParty.objects.published().select_related("agreement"),
                ),
                Prefetch(
                    "programmeparticipant_set",
                    queryset=models.ProgrammeParticipant.objects.published().select_related("programme"),
                ),
            )
        )


class BranchDetailView(RegistryDetailView):
    model = models.Branch


class AgreementDetailView(RegistryDetailView):
    model = models.Agreement


class ProgrammeDetailView(RegistryDetailView):
    model = models.Programme

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("models_for", queryset=models.Programme.objects.published()))
        )


class IndicatorDetailView(RegistryDetailView):
    model = models.Indicator


class SourceDetailView(RegistryDetailView):
    model = models.Source

    def get_queryset(self):
        citations = models.Citation.objects.published().select_related(*models.CITED_MODELS)
        return super().get_queryset().prefetch_related(Prefetch("citations", queryset=citations))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["passages"], context["quotes"] = source_passages(self.object)
        return context


def source_passages(source):
    """Split a source's full text into plain passages and cited quotes, each quote with its records.

    Return (passages, quotes): passages as {"text", "quote"} in reading order, where "quote" is
    None for text nobody cites; quotes as {"id", "text", "records", "found"}, one per distinct
    quote. A quote that overlaps an earlier one, or is not in the text, is listed but not marked.
    """
    quotes = {}
    for citation in source.citations.all():
        entry = quotes.setdefault(citation.quote, {"text": citation.quote, "records": []})
        record = citation.cited_record
        if record not in entry["records"]:
            entry["records"].append(record)
    text = source.text
    spans = []
    for number, entry in enumerate(quotes.values(), start=1):
        entry["id"] = f"quote-{number}"
        start = text.find(entry["text"]) if text else -1
        end = start + len(entry["text"])
        entry["found"] = start >= 0 and not any(start < e and s < end for s, e, _ in spans)
        if entry["found"]:
            spans.append((start, end, entry))
    passages, position = [], 0
    for start, end, entry in sorted(spans, key=lambda span: span[0]):
        if start > position:
            passages.append({"text": text[position:start], "quote": None})
        passages.append({"text": text[start:end], "quote": entry})
        position = end
    if position < len(text):
        passages.append({"text": text[position:], "quote": None})
    return passages, list(quotes.values())
