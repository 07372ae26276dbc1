"""Open data pages: the latest full dump (/data/), what changed (feed and page), sitemap and robots.txt."""

from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy

from . import changes, citing, dumps


def data_page(request):
    """Offer the latest dump with its date, size and SHA-256, and point to the API."""
    return render(
        request,
        "registry/data.html",
        {"dump": dumps.latest_dump(), "licence": citing.licence()},
    )


def dump_file(request, filename):
    dump = dumps.latest_dump()
    if dump is None or dump.filename != filename:
        raise Http404
    return FileResponse(open(dump.path, "rb"), as_attachment=True, filename=dump.filename)  # noqa: SIM115


# --- what changed -----------------------------------------------------------------------------


def changes_page(request):
    return render(request, "registry/changes.html", {"changes": changes.recent_changes()})


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = citing.REGISTRY_NAME
    subtitle = gettext_lazy("Что нового: новые записи, изменения состояния и новые источники.")
    link = reverse_lazy("registry:changes")

    def get_feed(self, obj, request):
        self.request = request  # entry ids are absolute IRIs
        return super().get_feed(obj, request)

    def items(self):
        return changes.recent_changes()

    def item_title(self, change):
        return f"{change.kind_label}. {change.title}"

    def item_description(self, change):
        return change.title

    def item_link(self, change):
        return change.record.get_absolute_url()

    def item_guid(self, change):
        return self.request.build_absolute_uri(change.guid)

    item_guid_is_permalink = False

    def item_pubdate(self, change):
        return change.when

    def item_updateddate(self, change):
        return change.when


# --- for search engines -----------------------------------------------------------------------


class PublishedSitemap(Sitemap):
    """Every published record of one kind, by the one publication rule."""

    limit = 10000

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, record):
        return record.updated_at


class ListSitemap(Sitemap):
    def items(self):
        return [
            "registry:home",
            *(
                f"registry:{name}_list"
                for name in ("institution", "branch", "agreement", "programme", "source")
            ),
            "registry:indicator_list",
            "registry:map",
            "registry:match",
            "registry:data",
            "registry:changes",
        ]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": ListSitemap(),
    **{model._meta.model_name: PublishedSitemap(model) for model in changes.MODELS},
}


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /i18n/",
        # Lists differ only by filter and download: crawl the records, not every combination.
        "Disallow: /*?",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
