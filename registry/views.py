"""Public pages: anyone may read what staff have published, and take it away as a spreadsheet."""

from urllib.parse import quote, urlencode

from django.db import connection
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import npgettext
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import filters, maps, models
from .slugs import resolve_slug
from .spreadsheets import FORMATS_BY_NAME, RESOURCES

PUBLISHED_CITATIONS = Prefetch(
    "citations", queryset=models.Citation.objects.filter(source__is_published=True).select_related("source")
)


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


class HomeView(TemplateView):
    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["indicators"] = (
            models.Indicator.objects.published()
            .prefetch_related(PUBLISHED_CITATIONS)
            .order_by(F("value").desc(nulls_last=True), "title")
        )
        counts = []
        for model, url_name in [
            (models.Institution, "institution_list"),
            (models.Branch, "branch_list"),
            (models.Agreement, "agreement_list"),
            (models.Programme, "programme_list"),
        ]:
            total = model.objects.published().count()
            counts.append({"label": COUNT_LABELS[model](total), "url_name": url_name, "total": total})
        context["counts"] = counts
        context["status_bars"] = status_bars()
        context["institution_country_bars"], context["branch_country_bars"] = country_bars()
        context["recent"] = recent_records()
        return context


#: "6 учреждений", "3 филиала": the word after a count, in the language's plural form.
COUNT_LABELS = {
    models.Institution: lambda n: npgettext("count", "учреждение", "учреждения", n),
    models.Branch: lambda n: npgettext("count", "филиал", "филиалы", n),
    models.Agreement: lambda n: npgettext("count", "соглашение", "соглашения", n),
    models.Programme: lambda n: npgettext("count", "программа", "программы", n),
}


def bars(rows):
    """Return rows with a width in per cent of the largest value, for the SVG bar charts."""
    largest = max((row["value"] for row in rows), default=0) or 1
    return [{**row, "width": round(100 * row["value"] / largest)} for row in rows]


def status_bars():
    labels = dict(models.Status.choices)
    rows = []
    for model in (models.Agreement, models.Programme):
        for item in model.objects.published().values("status").annotate(n=Count("id")).order_by("status"):
            rows.append(
                {
                    "label": f"{model._meta.verbose_name_plural}: {labels[item['status']]}",
                    "value": item["n"],
                }
            )
    return bars(rows)


def country_bars():
    """Return institutions by country and branches by host country: two charts, two scales."""
    institutions, branches = [], []
    for country in models.Country.objects.annotate(
        n_institutions=Count("institutions", filter=Q(institutions__is_published=True), distinct=True),
        hosted=Count(
            "branches",
            filter=Q(branches__is_published=True, branches__institution__is_published=True),
            distinct=True,
        ),
    ).order_by("name_ru"):  # an aggregate drops Meta.ordering
        if country.n_institutions:
            institutions.append({"label": country.name, "value": country.n_institutions})
        if country.hosted:
            branches.append({"label": country.name, "value": country.hosted})
    return bars(institutions), bars(branches)


def recent_records(limit=8):
    records = []
    for model in (models.Institution, models.Branch, models.Agreement, models.Programme, models.Indicator):
        records += list(model.objects.published().order_by("-updated_at")[:limit])
    return sorted(records, key=lambda r: r.updated_at, reverse=True)[:limit]


class RegistryListView(FilterView):
    """A filtered, sorted, paged list of published records that downloads as CSV, XLSX or JSON."""

    paginate_by = 25
    template_name_suffix = "_list"
    strict = False

    def get_queryset(self):
        return self.model.objects.published()

    def get_context_data(self, **kwargs):
        name = self.model._meta.model_name
        return {
            **super().get_context_data(**kwargs),
            "heading": capfirst(self.model._meta.verbose_name_plural),
            "map_layer": name if name in MapView.LAYERS else None,
        }

    def get(self, request, *args, **kwargs):
        if "" in request.GET.values():
            # A form sent without script: keep the address to what the reader chose.
            return redirect(without_empty_parameters(request))
        file_format = FORMATS_BY_NAME.get(request.GET.get("download", ""))
        if file_format is None:
            return super().get(request, *args, **kwargs)
        filterset = self.get_filterset(self.get_filterset_class())
        queryset = filterset.qs if filterset.is_valid() else self.get_queryset().none()
        return download(self.model, queryset, file_format())


def without_empty_parameters(request):
    kept = [(name, value) for name, values in request.GET.lists() for value in values if value != ""]
    return f"{request.path}?{urlencode(kept)}" if kept else request.path


def download(model, queryset, file_format):
    resource = RESOURCES[model]()
    # The resource's own select/prefetch, narrowed to what the visitor filtered.
    queryset = resource.get_queryset().filter(pk__in=queryset.values("pk")).order_by("pk")
    dataset = resource.export(queryset=queryset, force_native_type=file_format.native_types)
    response = HttpResponse(file_format.export_data(dataset), content_type=file_format.get_content_type())
    filename = f"{model._meta.verbose_name_plural}.{file_format.get_extension()}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(str(filename))}"
    return response


class InstitutionListView(RegistryListView):
    model = models.Institution
    filterset_class = filters.InstitutionFilter

    def get_queryset(self):
        return super().get_queryset().select_related("country", "region")


class BranchListView(RegistryListView):
    model = models.Branch
    filterset_class = filters.BranchFilter

    def get_queryset(self):
        return super().get_queryset().select_related("institution", "country").prefetch_related("fields")


class AgreementListView(RegistryListView):
    model = models.Agreement
    filterset_class = filters.AgreementFilter

    def get_queryset(self):
        return super().get_queryset().prefetch_related("parties__institution", "parties__country", "fields")


class ProgrammeListView(RegistryListView):
    model = models.Programme
    filterset_class = filters.ProgrammeFilter

    def get_queryset(self):
        return super().get_queryset().prefetch_related("target_countries", "fields")


class SourceListView(RegistryListView):
    model = models.Source
    filterset_class = filters.SourceFilter

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(citation_count=Count("citations"))
            .order_by(*models.Source._meta.ordering)
        )


class IndicatorListView(RegistryListView):
    model = models.Indicator
    filterset_class = filters.IndicatorFilter

    def get_queryset(self):
        return super().get_queryset().prefetch_related("countries")


class RegistryDetailView(DetailView):
    def get_queryset(self):
        return self.model.objects.published()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A renamed record answers to its former code with a permanent redirect.
            current = resolve_slug(self.model, kwargs["slug"])
            if current == kwargs["slug"] or not self.get_queryset().filter(slug=current).exists():
                raise
            return HttpResponsePermanentRedirect(reverse(request.resolver_match.view_name, args=[current]))


class InstitutionDetailView(RegistryDetailView):
    model = models.Institution

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("country", "region")
            .prefetch_related(
                PUBLISHED_CITATIONS,
                Prefetch("branches", queryset=models.Branch.objects.published().select_related("country")),
                Prefetch(
                    "agreementparty_set",
                    queryset=models.AgreementParty.objects.filter(
                        agreement__is_published=True
                    ).select_related("agreement"),
                ),
                Prefetch(
                    "programmeparticipant_set",
                    queryset=models.ProgrammeParticipant.objects.filter(
                        programme__is_published=True
                    ).select_related("programme"),
                ),
            )
        )


class BranchDetailView(RegistryDetailView):
    model = models.Branch

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("institution", "country", "region")
            .prefetch_related("fields", PUBLISHED_CITATIONS)
        )


STEPS = Prefetch("status_steps", queryset=models.AgreementStatusStep.objects.select_related("source"))
PARTIES = ("parties__institution", "parties__country", "parties__regions")


class AgreementDetailView(RegistryDetailView):
    model = models.Agreement

    def get_queryset(self):
        return super().get_queryset().prefetch_related(*PARTIES, "fields", STEPS, PUBLISHED_CITATIONS)


class ProgrammeDetailView(RegistryDetailView):
    model = models.Programme

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("modelled_on")
            .prefetch_related(
                "participants__institution",
                "participants__country",
                "participants__regions",
                "target_countries",
                "target_regions",
                "fields",
                Prefetch(
                    "status_steps", queryset=models.ProgrammeStatusStep.objects.select_related("source")
                ),
                Prefetch("models_for", queryset=models.Programme.objects.published()),
                PUBLISHED_CITATIONS,
            )
        )


class IndicatorDetailView(RegistryDetailView):
    model = models.Indicator

    def get_queryset(self):
        return super().get_queryset().prefetch_related("countries", "regions", PUBLISHED_CITATIONS)


class SourceDetailView(RegistryDetailView):
    model = models.Source

    def get_queryset(self):
        # Only quotes that back a published record.
        visible = Q(*[Q(**{f"{name}__is_published": True}) for name in models.CITED_MODELS], _connector=Q.OR)
        citations = models.Citation.objects.filter(visible).select_related(*models.CITED_MODELS)
        return super().get_queryset().prefetch_related(Prefetch("citations", queryset=citations))


class MapView(TemplateView):
    """The records on a map of Russia and Kazakhstan, narrowed by the same filters as the lists."""

    template_name = "registry/map.html"
    LAYERS = {
        "institution": (filters.InstitutionFilter, InstitutionListView),
        "branch": (filters.BranchFilter, BranchListView),
        "agreement": (filters.AgreementFilter, AgreementListView),
        "programme": (filters.ProgrammeFilter, ProgrammeListView),
    }

    def get_context_data(self, **kwargs):
        asked = self.request.GET.getlist("show")
        shown = [layer for layer in self.LAYERS if layer in asked] or list(self.LAYERS)
        records = {}
        for layer, (filterset_class, list_view) in self.LAYERS.items():
            if layer not in shown:
                records[layer] = []
                continue
            queryset = list_view(request=self.request).get_queryset()
            if layer == "branch":
                queryset = queryset.select_related("institution__country")
            elif layer == "agreement":
                queryset = queryset.prefetch_related("parties__regions__country")
            elif layer == "programme":
                queryset = queryset.prefetch_related(
                    "target_regions__country", "participants__regions__country"
                )
            records[layer] = filterset_class(self.request.GET, queryset=queryset).qs
        return {
            **super().get_context_data(**kwargs),
            "map": maps.build_map(
                records["institution"], records["branch"], records["agreement"], records["programme"]
            ),
            "form": filters.MapForm(self.request.GET or None, initial={"show": shown}),
            "shown": shown,
        }
