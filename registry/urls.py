from django.urls import path, re_path

from . import open_data, reconcile, views
from .cache import cache_public_page

app_name = "registry"

urlpatterns = [
    path("", cache_public_page(views.HomeView.as_view()), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("institutions/", cache_public_page(views.InstitutionListView.as_view()), name="institution_list"),
    path("institutions/suggest/", views.suggest_institutions, name="institution_suggest"),
    path(
        "institutions/<slug:slug>/",
        cache_public_page(views.InstitutionDetailView.as_view()),
        name="institution_detail",
    ),
    path("branches/", cache_public_page(views.BranchListView.as_view()), name="branch_list"),
    path("branches/<slug:slug>/", cache_public_page(views.BranchDetailView.as_view()), name="branch_detail"),
    path("agreements/", cache_public_page(views.AgreementListView.as_view()), name="agreement_list"),
    path(
        "agreements/<slug:slug>/",
        cache_public_page(views.AgreementDetailView.as_view()),
        name="agreement_detail",
    ),
    path("programmes/", cache_public_page(views.ProgrammeListView.as_view()), name="programme_list"),
    path(
        "programmes/<slug:slug>/",
        cache_public_page(views.ProgrammeDetailView.as_view()),
        name="programme_detail",
    ),
    path("indicators/", cache_public_page(views.IndicatorListView.as_view()), name="indicator_list"),
    path("map/", cache_public_page(views.MapView.as_view()), name="map"),
    path(
        "indicators/<slug:slug>/",
        cache_public_page(views.IndicatorDetailView.as_view()),
        name="indicator_detail",
    ),
    path("sources/", cache_public_page(views.SourceListView.as_view()), name="source_list"),
    path("sources/<slug:slug>/", cache_public_page(views.SourceDetailView.as_view()), name="source_detail"),
    path("reconcile", reconcile.reconcile, name="reconcile"),
    # Any code but one with a NUL, which no record's has and PostgreSQL refuses to look up.
    re_path(r"^reconcile/view/(?P<code>[^/\x00]+)$", reconcile.view, name="reconcile_view"),
    path("match/", reconcile.match_page, name="match"),
    path("data/", open_data.data_page, name="data"),
    path("data/<str:filename>", open_data.dump_file, name="dump_file"),
    path("changes/", open_data.changes_page, name="changes"),
    path("changes/feed/", open_data.ChangesFeed(), name="changes_feed"),
]
