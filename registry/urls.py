from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("institutions/", views.InstitutionListView.as_view(), name="institution_list"),
    path("institutions/suggest/", views.suggest_institutions, name="institution_suggest"),
    path("institutions/<slug:slug>/", views.InstitutionDetailView.as_view(), name="institution_detail"),
    path("branches/", views.BranchListView.as_view(), name="branch_list"),
    path("branches/<slug:slug>/", views.BranchDetailView.as_view(), name="branch_detail"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/<slug:slug>/", views.AgreementDetailView.as_view(), name="agreement_detail"),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/<slug:slug>/", views.ProgrammeDetailView.as_view(), name="programme_detail"),
    path("indicators/<slug:slug>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source_detail"),
]
