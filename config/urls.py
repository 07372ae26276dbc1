from django.contrib import admin
from django.urls import include, path

from registry.views import favicon

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon),
    path("", include("registry.urls")),
]
