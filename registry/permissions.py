"""The two staff groups and what they may do.

Viewers see every registry record in the admin and may export; Editors also add, change, delete
and import. The groups are created by a data migration and brought up to date after every
migrate (and every test-database flush), so a model added later is covered without a new migration.
"""

from django.apps import apps as global_apps

VIEWERS = "Viewers"
EDITORS = "Editors"
GROUP_ACTIONS = {
    VIEWERS: r"^(view|export)_",
    EDITORS: r"^(view|export|import|add|change|delete)_",
}


def sync_staff_groups(apps=global_apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry = Permission.objects.filter(content_type__app_label="registry")
    for name, pattern in GROUP_ACTIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(registry.filter(codename__regex=pattern))


def sync_after_migrate(sender, **kwargs):
    sync_staff_groups()
