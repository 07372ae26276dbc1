"""Pages of the public lists and the API that cost the same on the first page and the last.

Django's Paginator counts every record a filter finds and reads a page as OFFSET n LIMIT 25 of the
whole rows, joins and all: at 100 000 records the count and the skipped rows are most of a page's
time. This paginator fills those two gaps and nothing else.
"""

import hashlib
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet

from . import public
from .cache import shared_query_totals, shared_totals


class ListPaginator(Paginator):
    def __init__(self, *args, reader=None, count_key=None, **kwargs):
        """`reader` returns the queryset a page's records are read with: what the page shows of
        each (public.ROWS for a list's rows); by default the record whole (public.QUERYSETS).
        `count_key` names what was asked for, if the caller knows (a list's filters)."""
        super().__init__(*args, **kwargs)
        self.reader = reader
        self.count_key = count_key

    @cached_property
    def count(self):
        """The total is a shared total (cache.shared_totals), kept under `count_key` or else the
        query's SQL (writing it out took a millisecond of each page)."""
        if not isinstance(self.object_list, QuerySet):
            return super().count
        compute = lambda: Paginator.count.func(self)  # noqa: E731
        if self.count_key:
            return shared_totals("count:" + hashlib.sha256(self.count_key.encode()).hexdigest(), compute)
        return shared_query_totals("count", self.object_list, compute)

    def page(self, number):
        """Read the page's keys first (the skipped rows come from an index: models.
        list_order_indexes), then only those records, as the public reads them (public.py: the
        reader; the filters and search have chosen the keys and are not asked again)."""
        page = super().page(number)  # its records are a slice not yet read
        if isinstance(page.object_list, QuerySet):
            keys = list(page.object_list.values_list("pk", flat=True))
            reader = self.reader or public.QUERYSETS.get(self.object_list.model)
            records = (reader() if reader else self.object_list).in_bulk(keys)
            page.object_list = [records[key] for key in keys if key in records]
        return page
