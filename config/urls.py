from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from registry.api import UnknownAddress, router
from registry.open_data import SITEMAPS, robots_txt
from registry.views import favicon

# Redoc styles its page with <style> elements it writes itself and renders in a blob: worker;
# only its page allows that, the rest of the site keeps the strict policy.
redoc = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
    SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon),
    path("robots.txt", robots_txt),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("api/docs/redoc/", redoc, name="api-redoc"),
    path("api/v1/", include(router.urls)),
    re_path(r"^api/", UnknownAddress.as_view()),
    path("", include("registry.urls")),
]
