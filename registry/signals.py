"""Keep every record's search text true, whatever writes it.

A pre_save receiver rather than save(): loaddata saves fixtures raw, skipping save() overrides
but still sending pre_save. Bulk writes are covered by SearchQuerySet. A record found through
another (a branch through its institution) is matched in the query, so no save here writes any
record but the one saved.
"""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from .models import Searchable


@receiver(pre_save)
def refresh_search_text(sender, instance, **kwargs):
    if isinstance(instance, Searchable):
        instance.refresh_search_text()
