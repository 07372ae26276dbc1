"""Migrations carry what they need: an old migration does the same whatever the app's code becomes."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

MIGRATIONS = sorted((Path(__file__).resolve().parent.parent / "registry" / "migrations").glob("0*.py"))


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda path: path.name)
def test_a_migration_imports_no_app_code(migration):
    imported = set()
    for node in ast.walk(ast.parse(migration.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not {name for name in imported if name.startswith(".") or name.split(".")[0] == "registry"}


@pytest.mark.django_db
def test_the_staff_groups_of_migration_0002_are_as_before():
    viewers = set(Group.objects.get(name="Viewers").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"view_institution", "export_institution"} <= viewers
    assert not any(code.startswith(("add_", "change_", "delete_", "import_")) for code in viewers)
    assert {"add_institution", "change_institution", "delete_institution", "import_institution"} <= editors
