"""Who may do what: the two staff groups, and the one rule every admin view asks.

Viewers see every registry record in the admin and may export; Editors also add, change, delete
and import. The groups are created by a data migration and brought up to date after every
migrate (and every test-database flush), so a model added later is covered without a new migration.

``may(user, action, model)`` is the single answer to "may this user do this to this model?". The
admin's history, revert and restore views ask it, so a history page cannot write what the change
form would refuse.
"""

from django.apps import apps as global_apps
from django.contrib.auth import get_permission_codename

VIEWERS = "Viewers"
EDITORS = "Editors"
GROUP_ACTIONS = {
    VIEWERS: r"^(view|export)_",
    EDITORS: r"^(view|export|import|add|change|delete)_",
}

#: Actions made of model permissions: reverting a record changes it; restoring a deleted record
#: adds it back as it was and so needs both; merging two duplicates changes one and deletes the other.
COMPOUND_ACTIONS = {
    "revert": ("change",),
    "restore": ("add", "change"),
    "merge": ("change", "delete"),
}


def may(user, action, model):
    """Return whether the user may do the action (view, add, change, delete, import, export,
    revert, restore) to records of the model."""
    opts = model._meta
    return all(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(permission, opts)}")
        for permission in COMPOUND_ACTIONS.get(action, (action,))
    )


def sync_staff_groups(apps=global_apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry = Permission.objects.filter(content_type__app_label="registry")
    for name, pattern in GROUP_ACTIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(registry.filter(codename__regex=pattern))


def sync_after_migrate(sender, **kwargs):
    sync_staff_groups()
