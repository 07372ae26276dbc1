"""The read-only HTTP API under /api/v1/: the public representation, paged, filtered and cacheable.

Records come from `registry.public` (the one publication rule), are shown by `registry.serializers`
(the one public representation) and narrowed by the FilterSets of the public pages, `q=` search
and `ordering=` included. What is added here is only what an API needs: `updated_since=`,
a settable page size with a cap, 400s that name the bad parameter, ETag/Last-Modified with
conditional GET, and a throttle for anonymous clients.
"""

import hashlib
import re

from django.conf import settings
from django.db.models import Max
from django.http import Http404, HttpResponsePermanentRedirect
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import condition
from django_filters import rest_framework as filter_backends
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, pagination, throttling, views, viewsets
from rest_framework import filters as drf_filters
from rest_framework.routers import DefaultRouter

from . import cache, filters, public
from .lockout import client_ip_address
from .pagination import ListPaginator
from .serializers import SERIALIZERS
from .slugs import resolve_slug

# --- parameters -------------------------------------------------------------------------------


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of `page_size` records (API_PAGE_SIZE by default, at most API_MAX_PAGE_SIZE)."""

    page_size_query_param = "page_size"
    django_paginator_class = ListPaginator

    @property
    def page_size(self):
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not value.isdigit() or int(value) < 1:
            raise exceptions.ValidationError({"page_size": [_("Размер страницы — целое число от 1.")]})
        if int(value) > self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [_("Размер страницы — не больше %(max)s.") % {"max": self.max_page_size}]}
            )
        return int(value)

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page is not None and page != "last" and not (page.isdigit() and int(page) >= 1):
            raise exceptions.ValidationError({"page": [_("Номер страницы — целое число от 1.")]})
        return super().paginate_queryset(queryset, request, view)


#: A zone's "+" left unencoded in a URL arrives as a space: "T00:00:00 03:00".
UNENCODED_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_moment(value):
    """Read an ISO 8601 date-time or date; a moment without a zone is in the site's time zone."""
    value = UNENCODED_PLUS.sub(r"\1+\2", value)
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = timezone.datetime.combine(day, timezone.datetime.min.time())
    except ValueError:
        moment = None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class UpdatedSinceFilter(drf_filters.BaseFilterBackend):
    """`updated_since=` keeps records changed at or after an ISO 8601 moment, for harvesting."""

    def filter_queryset(self, request, queryset, view):
        value = request.query_params.get("updated_since")
        if value is None or not hasattr(queryset.model, "updated_at"):
            return queryset
        moment = parse_moment(value.strip())
        if moment is None:
            raise exceptions.ValidationError(
                {"updated_since": [_("Дата и время в формате ISO 8601, например 2025-11-12T10:00:00+03:00.")]}
            )
        return queryset.filter(updated_at__gte=moment)

    def get_schema_operation_parameters(self, view):
        if not hasattr(view.queryset_function().model, "updated_at"):
            return []
        return [
            {
                "name": "updated_since",
                "required": False,
                "in": "query",
                "description": "Only records changed at or after this ISO 8601 date-time (or date).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


class AnonRateThrottle(throttling.AnonRateThrottle):
    """Anonymous clients: API_ANON_RATE requests per address (e.g. "120/minute").

    The address is the client's as the login lockout reads it behind PROXY_COUNT proxies: DRF's
    own, without its NUM_PROXIES, keys on the whole X-Forwarded-For, which a client writes as it
    likes to get a new allowance with each request."""

    def get_rate(self):
        return settings.API_ANON_RATE

    def get_ident(self, request):
        return client_ip_address(request)


# --- conditional GET --------------------------------------------------------------------------


def etag(request, *args, **kwargs):
    """Change whenever any registry record changes (the public pages' cache version) or the URL does."""
    key = f"{cache.version()}:{get_language()}:{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def last_modified(view_class):
    def latest(request, *args, **kwargs):
        model = view_class.queryset_function().model
        if not hasattr(model, "updated_at"):
            return None
        return public.QUERYSETS[model]().order_by().aggregate(latest=Max("updated_at"))["latest"]

    return latest


# --- views ------------------------------------------------------------------------------------


class PublicViewSet(viewsets.ReadOnlyModelViewSet):
    """Published records of one kind, as the public pages show them."""

    #: Returns the public queryset (a function from registry.public).
    queryset_function = None
    lookup_field = "slug"
    # DRF's default but for NUL, which no code holds and PostgreSQL refuses to look up: such an
    # address is no record's (UnknownAddress's 404), as the pages' slug converter does for them.
    lookup_value_regex = r"[^/.\x00]+"
    pagination_class = PageNumberPagination
    filter_backends = [filter_backends.DjangoFilterBackend, UpdatedSinceFilter]
    throttle_classes = [AnonRateThrottle]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Django's own conditional GET: 304 when the ETag (or Last-Modified) still matches.
        cls.dispatch = method_decorator(condition(etag_func=etag, last_modified_func=last_modified(cls)))(
            cls.dispatch
        )

    def get_queryset(self):
        return type(self).queryset_function()

    def get_serializer_class(self):
        return SERIALIZERS[self.get_queryset().model]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Pages must not overlap: whatever the order, the primary key breaks ties.
        return queryset.order_by(*(queryset.query.order_by or queryset.model._meta.ordering), "pk")

    def get_object(self):
        try:
            return super().get_object()
        except Http404:  # Django's message is English whatever the language: DRF's own is translated
            raise exceptions.NotFound() from None

    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except exceptions.NotFound:
            # A renamed record answers to its former code, as its page does: a permanent redirect.
            code = kwargs.get("slug")
            current = resolve_slug(self.get_queryset().model, code) if code else code
            if current == code or not self.get_queryset().filter(slug=current).exists():
                raise
            parent = request.path.rstrip("/").rsplit("/", 1)[0]
            query = f"?{request.GET.urlencode()}" if request.GET else ""
            return HttpResponsePermanentRedirect(f"{parent}/{current}/{query}")

    def throttled(self, request, wait):
        # One sentence in one language: DRF appends its own "Expected available in …", which its
        # catalogue leaves in English for Russian. The wait stays DRF's, for Retry-After.
        error = exceptions.Throttled(wait)
        error.detail = exceptions.ErrorDetail(
            ngettext(
                "Слишком много запросов с вашего адреса. Повторите через %(wait)d секунду.",
                "Слишком много запросов с вашего адреса. Повторите через %(wait)d секунд.",
                error.wait,
            )
            % {"wait": error.wait},
            code=error.default_code,
        )
        raise error


def api_viewset(name, queryset_function, filterset_class=None, lookup_field="slug", **attrs):
    """Make the read-only viewset of one kind of record."""
    attrs = {
        "queryset_function": staticmethod(queryset_function),
        "filterset_class": filterset_class,
        "lookup_field": lookup_field,
        "__doc__": f"Published {name}: list and detail.",
        **attrs,
    }
    viewset = type(f"{name.title().replace(' ', '')}ViewSet", (PublicViewSet,), attrs)
    return extend_schema_view(
        list=extend_schema(summary=f"List published {name}"),
        retrieve=extend_schema(summary=f"One published record of {name}"),
    )(viewset)


VIEWSETS = {
    "institutions": api_viewset("institutions", public.institutions, filters.InstitutionFilter),
    "branches": api_viewset("branches", public.branches, filters.BranchFilter),
    "agreements": api_viewset("agreements", public.agreements, filters.AgreementFilter),
    "programmes": api_viewset("programmes", public.programmes, filters.ProgrammeFilter),
    "indicators": api_viewset("indicators", public.indicators, filters.IndicatorFilter),
    "sources": api_viewset("sources", public.sources, filters.SourceFilter),
    "countries": api_viewset("countries", public.countries, lookup_field="code"),
    "regions": api_viewset("regions", public.regions, filters.RegionFilter, lookup_field="pk"),
    "fields": api_viewset("fields of study", public.fields_of_study, lookup_field="code"),
}

# Filters by a method: the schema cannot tell their type from a model field. Two take a code,
# the regions of agreements and programmes a region's id (as /api/v1/regions/ gives it).
for filterset_class, name in [(filters.AgreementFilter, "country"), (filters.InstitutionFilter, "field")]:
    extend_schema_field(OpenApiTypes.STR)(filterset_class.base_filters[name])
for filterset_class in (filters.AgreementFilter, filters.ProgrammeFilter):
    extend_schema_field(OpenApiTypes.INT)(filterset_class.base_filters["region"])

router = DefaultRouter()
for prefix, viewset in VIEWSETS.items():
    router.register(prefix, viewset, basename=f"api-{prefix}")


class UnknownAddress(views.APIView):
    """Any other address under /api/ answers as a record not found does: a 404 in JSON, in the
    reader's language, not the site's HTML page a program cannot read."""

    schema = None  # not part of the API's description

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    options = http_method_not_allowed
