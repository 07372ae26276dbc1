"""Public pages: anyone may read what staff have published, and take it away as a spreadsheet."""

from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, F, Prefetch
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, npgettext
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import downloads, filters, maps, models, public
from .cache import address_without, shared_part, shared_totals
from .pagination import ListPaginator
from .slugs import resolve_slug


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
    query = request.GET.get("q", "")
    if not query.split():
        return JsonResponse({"results": []})
    found = models.Institution.objects.published().search(query)  # best matches first
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
        totals = shared_totals("overview-counts", overview_counts)
        counts = [
            {"label": COUNT_LABELS[model](totals[url_name]), "url_name": url_name, "total": totals[url_name]}
            for model, url_name in OVERVIEW_LISTS
        ]
        # ... but it is on the agreement list, so the card names it beside the agreements.
        unstated = totals["unstated"]
        if unstated:
            counts[2]["extra"] = ngettext(
                "и %(count)d сотрудничество без названного соглашения",
                "и %(count)d сотрудничества без названного соглашения",
                unstated,
            ) % {"count": unstated}
        context["counts"] = counts
        context["status_bars"] = status_bars()
        context["institution_country_bars"], context["branch_country_bars"] = country_bars()
        context["recent"] = recent_records()
        return context


OVERVIEW_LISTS = [
    (models.Institution, "institution_list"),
    (models.Branch, "branch_list"),
    (models.Agreement, "agreement_list"),
    (models.Programme, "programme_list"),
]


def overview_counts():
    """Return the overview's totals: published records of each list, and cooperation of an
    unstated form, which is not counted as an agreement."""
    agreements = models.Agreement.objects.published()
    totals = {
        url_name: (agreements.named() if model is models.Agreement else model.objects.published()).count()
        for model, url_name in OVERVIEW_LISTS
    }
    totals["unstated"] = agreements.filter(kind=models.Agreement.Kind.UNSTATED).count()
    return totals


#: "6 учреждений", "3 филиала": the word after a count, in the language's plural form.
COUNT_LABELS = {
    models.Institution: lambda n: npgettext("count", "учреждение", "учреждения", n),
    models.Branch: lambda n: npgettext("count", "филиал", "филиалы", n),
    models.Agreement: lambda n: npgettext("count", "соглашение", "соглашения", n),
    models.Programme: lambda n: npgettext("count", "программа", "программы", n),
}


def counted(model, n):
    """Return a count and the word for what it counts: "1 234 учреждения"."""
    return f"{number_format(n, force_grouping=True)} {COUNT_LABELS[model](n)}"


def bars(rows):
    """Return rows with a width in per cent of the largest value, for the SVG bar charts."""
    largest = max((row["value"] for row in rows), default=0) or 1
    return [{**row, "width": round(100 * row["value"] / largest)} for row in rows]


def status_bars():
    labels = dict(models.Status.choices)
    rows = []
    counts = shared_totals("status-counts", status_counts)
    for model in (models.Agreement, models.Programme):
        for status, n in counts[model._meta.model_name]:
            rows.append({"label": f"{model._meta.verbose_name_plural}: {labels[status]}", "value": n})
    return bars(rows)


def status_counts():
    return {
        queryset.model._meta.model_name: list(
            queryset.values_list("status").annotate(n=Count("id")).order_by("status")
        )
        for queryset in (models.Agreement.objects.published().named(), models.Programme.objects.published())
    }


def country_bars():
    """Return institutions by country and branches by host country: two charts, two scales.

    Each is one grouped count over the table's published records (the publication rule: a branch
    counts only with its institution), then the countries named, sorted by name.
    """
    institutions, branches = shared_totals("country-counts", country_counts)
    institution_rows, branch_rows = [], []
    for country in models.Country.objects.filter(pk__in={*institutions, *branches}).order_by("name_ru"):
        if institutions.get(country.pk):
            institution_rows.append({"label": country.name, "value": institutions[country.pk]})
        if branches.get(country.pk):
            branch_rows.append({"label": country.name, "value": branches[country.pk]})
    return bars(institution_rows), bars(branch_rows)


def country_counts():
    return [
        dict(model.objects.published().values_list("country").annotate(n=Count("id")).order_by())
        for model in (models.Institution, models.Branch)
    ]


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
    paginator_class = ListPaginator
    template_name_suffix = "_list"

    def get_queryset(self):
        # A download holds each record whole; a page reads its rows' keys from the filtered
        # queryset, then those rows as the list shows them (get_paginator).
        return public.QUERYSETS[self.model]() if "download" in self.request.GET else public.ROWS[self.model]()

    def get_paginator(self, *args, **kwargs):
        # Valid filters decide the total, the page and order do not; an invalid request (an
        # unknown order too) finds nothing and must not share its total with the valid ones.
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        counted = address_without(self.request, "page", "ordering") if valid else None
        return super().get_paginator(*args, reader=public.ROWS[self.model], count_key=counted, **kwargs)

    def get_context_data(self, **kwargs):
        name = self.model._meta.model_name
        return {
            **super().get_context_data(**kwargs),
            "heading": capfirst(self.model._meta.verbose_name_plural),
            "map_layer": name if name in MapView.LAYERS else None,
            "download_max_rows": number_format(downloads.max_rows(), force_grouping=True),
            # The filter form (its choices read from the database) is the same on every page.
            "filter_form_cache": shared_part(self.request, "page"),
        }

    def get(self, request, *args, **kwargs):
        if "" in request.GET.values():
            # A form sent without script: keep the address to what the reader chose.
            return redirect(without_empty_parameters(request))
        file_format = request.GET.get("download", "")
        if file_format and file_format not in downloads.FORMATS:
            message = gettext("Нет загрузки в формате «%(format)s». Есть: %(formats)s.") % {
                "format": file_format[:20],
                "formats": ", ".join(downloads.FORMATS),
            }
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        if not file_format:
            response = super().get(request, *args, **kwargs)
            if self.filterset.is_bound and not self.filterset.is_valid():
                response.status_code = 400
            return response
        if kept := downloads.kept(request):
            return kept
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_valid():
            return HttpResponse(
                invalid_filters(filterset), status=400, content_type="text/plain; charset=utf-8"
            )
        return downloads.download(self.model, filterset.qs, file_format, request)


def without_empty_parameters(request):
    kept = [(name, value) for name, values in request.GET.lists() for value in values if value != ""]
    return f"{request.path}?{urlencode(kept)}" if kept else request.path


def invalid_filters(filterset):
    return "\n".join(error for name in filterset.errors for error in invalid_filters_of(filterset.form, name))


def invalid_filters_of(form, name):
    """Return the form's messages about one parameter, each led by the field's label."""
    label = form.fields[name].label if name in form.fields else name
    return [f"{label}: {error}" for error in form.errors[name]]


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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quotes = shared_totals("quotes-per-source", quotes_per_source)
        for source in context["object_list"]:
            source.citation_count = quotes.get(source.pk, 0)
        return context


def quotes_per_source():
    """Return {source id: how many published quotes it backs}."""
    return dict(models.Citation.objects.published().values_list("source").annotate(n=Count("pk")).order_by())


class IndicatorListView(RegistryListView):
    model = models.Indicator
    filterset_class = filters.IndicatorFilter


class RegistryDetailView(DetailView):
    def get_queryset(self):
        return public.QUERYSETS[self.model]()

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
            .prefetch_related(
                Prefetch("branches", queryset=models.Branch.objects.published().select_related("country")),
                Prefetch(
                    "agreementparty_set",
                    queryset=public.published_parties(models.AgreementParty).select_related("agreement"),
                ),
                Prefetch(
                    "programmeparticipant_set",
                    queryset=public.published_parties(models.ProgrammeParticipant).select_related(
                        "programme"
                    ),
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
        citations = public.published_citations().select_related(*models.CITED_MODELS)
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
    for entry in quotes.values():
        entry["id"] = models.quote_anchor(entry["text"])
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


class MapView(TemplateView):
    """The records on a map of Russia and Kazakhstan, narrowed by the same filters as the lists."""

    template_name = "registry/map.html"
    LAYERS = {
        "institution": (filters.InstitutionFilter, InstitutionListView),
        "branch": (filters.BranchFilter, BranchListView),
        "agreement": (filters.AgreementFilter, AgreementListView),
        "programme": (filters.ProgrammeFilter, ProgrammeListView),
    }

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        # A bad filter is answered as on the lists: 400, the form's message, and no marks.
        return self.render_to_response(context, status=400 if context["errors"] else 200)

    def get_context_data(self, **kwargs):
        form = filters.MapForm(self.request.GET or None, initial={"show": list(self.LAYERS)})
        errors = {name: invalid_filters_of(form, name) for name in form.errors} if form.is_bound else {}
        shown = (form.cleaned_data["show"] if form.is_valid() else None) or list(self.LAYERS)
        filtersets = {}
        for layer, (filterset_class, list_view) in self.LAYERS.items():
            if layer not in shown:
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
            filtersets[layer] = filterset = filterset_class(self.request.GET, queryset=queryset)
            for name in filterset.errors:
                errors.setdefault(name, invalid_filters_of(filterset.form, name))
        records = {layer: [] if errors else filterset.qs for layer, filterset in filtersets.items()}
        # Up to DETAIL_LIMIT records (asked for one more at most), each is a mark of its own;
        # beyond, each place shows how many of each kind stand there.
        many = not errors and sum(qs[: maps.DETAIL_LIMIT + 1].count() for qs in records.values())
        if many and many > maps.DETAIL_LIMIT:
            the_map = maps.build_overview(*(records.get(layer) for layer in self.LAYERS))
            self.link_groups(the_map)
        else:
            the_map = maps.build_map(*(records.get(layer, []) for layer in self.LAYERS))
        return {
            **super().get_context_data(**kwargs),
            "map": the_map,
            "form": form,
            "shown": shown,
            "errors": [error for field_errors in errors.values() for error in field_errors],
        }

    def link_groups(self, the_map):
        """Give each place's group its words and the link to its list, with the map's filters."""
        kept = urlencode([(k, v) for k, v in self.request.GET.items() if k != "show"])
        lists = {layer: list_view.model for layer, (_, list_view) in self.LAYERS.items()}
        for group in the_map.groups:
            model = lists[group.kind]
            url = reverse(f"registry:{model._meta.model_name}_list")
            group.url = f"{url}?{'&'.join(part for part in (kept, group.query) if part)}"
            group.label = counted(model, group.count)
        the_map.unplaced_counts = {
            kind: counted(lists[kind], count) for kind, count in the_map.unplaced_counts.items()
        }
