"""Keep every record's search text true, whatever writes it.

A pre_save receiver rather than save(): loaddata saves fixtures raw, skipping save() overrides
but still sending pre_save. Bulk writes are covered by SearchQuerySet. A record found through
another (a branch through its institution) is matched in the query, so no save here writes any
record but the one saved.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from .cache import invalidate_public_pages
from .models import (
    Agreement,
    AgreementStatusStep,
    Programme,
    ProgrammeStatusStep,
    PublicRecord,
    Searchable,
    Timestamped,
)
from .slugs import remember_old_slug


@receiver(pre_save)
def refresh_search_text(sender, instance, **kwargs):
    if isinstance(instance, Searchable):
        instance.refresh_search_text()


@receiver(pre_save)
def keep_former_slug(sender, instance, raw=False, **kwargs):
    # Fixtures and backups are loaded raw, as they were; they carry their own redirects.
    if isinstance(instance, PublicRecord) and not raw:
        remember_old_slug(instance)


@receiver(post_save, sender=AgreementStatusStep)
@receiver(post_save, sender=ProgrammeStatusStep)
@receiver(post_delete, sender=AgreementStatusStep)
@receiver(post_delete, sender=ProgrammeStatusStep)
def status_follows_steps(sender, instance, raw=False, **kwargs):
    # A record's status is its latest step's; fixtures and backups carry both as they were, and
    # so do a revert and a restore, which write the record's status with its steps (history.py).
    if raw or getattr(instance, "_status_as_recorded", False):
        return
    if sender is AgreementStatusStep:
        record = Agreement.objects.filter(pk=instance.agreement_id).first()
    else:
        record = Programme.objects.filter(pk=instance.programme_id).first()
    if record is not None:
        record.follow_latest_step()


@receiver(pre_save)
def give_fixture_records_their_load_time(sender, instance, raw=False, **kwargs):
    """Stamp a record loaded from a fixture without timestamps with the real load time.

    Loading the same fixture again keeps the first load's timestamps, so it changes nothing.
    A fixture that carries its own timestamps (a backup) keeps them.
    """
    if not raw or not isinstance(instance, Timestamped) or instance.updated_at is not None:
        return
    stored = sender._default_manager.filter(pk=instance.pk).values("created_at", "updated_at").first()
    if stored:
        instance.created_at, instance.updated_at = stored["created_at"], stored["updated_at"]
    else:
        # Whole seconds: a JSON dump keeps only milliseconds, and a backup must restore exactly.
        instance.updated_at = instance.created_at = timezone.now().replace(microsecond=0)


@receiver(post_save)
@receiver(post_delete)
@receiver(m2m_changed)
def forget_cached_public_pages(sender, **kwargs):
    # Any registry record (history rows included) may show on the overview or a list.
    if sender._meta.app_label == "registry":
        invalidate_public_pages()
