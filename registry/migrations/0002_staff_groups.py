"""Create the two staff groups.

Frozen as they were when this migration was written; registry/permissions.py keeps the groups up to
date after every migrate, so later changes belong there, not here.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEWERS = "Viewers"
EDITORS = "Editors"
GROUP_ACTIONS = {
    VIEWERS: r"^(view|export)_",
    EDITORS: r"^(view|export|import|add|change|delete)_",
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry = Permission.objects.filter(content_type__app_label="registry")
    for name, pattern in GROUP_ACTIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(registry.filter(codename__regex=pattern))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[VIEWERS, EDITORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
