from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default = True  # apps.py also holds the config of django-axes below
    name = "registry"
    verbose_name = _("Реестр сотрудничества")

    def ready(self):
        from . import signals  # noqa: F401
        from .history import connect_receivers
        from .permissions import sync_after_migrate
        from .search import forget_trigram_tables

        # After auth's own post_migrate handler has created the permissions.
        post_migrate.connect(sync_after_migrate, sender=self)
        post_migrate.connect(forget_trigram_tables, sender=self)
        connect_receivers()


class LoginAttemptsConfig(AxesAppConfig):
    """django-axes under a name staff understand in the admin's menu."""

    verbose_name = _("Попытки входа в админку")
