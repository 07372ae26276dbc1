"""Personas and data shared by the tests: an anonymous visitor, a viewer, an editor, a superuser."""

import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

ARTICLE_FIXTURES = ["fixtures/reference.json", "fixtures/tass-2025-11-12.json"]
#: Every model with a spreadsheet resource and an admin, by model name.
REGISTRY_MODEL_NAMES = [
    "country",
    "region",
    "fieldofstudy",
    "source",
    "institution",
    "branch",
    "agreement",
    "programme",
    "indicator",
    "citation",
]
PASSWORD = "correct-horse-battery-staple"


def pytest_configure(config):
    """Hash test passwords with a fast hasher: real hashing made most of the suite's time."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read each response's context; the page cache has tests of its own (test_public_cache.py).
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    settings.PUBLIC_TOTALS_CACHE_SECONDS = 0  # likewise the shared totals
    # The test client closes a download only once it is read; tests of the cap set their own.
    settings.PUBLIC_DOWNLOADS_AT_ONCE = 10_000
    settings.PUBLIC_DOWNLOAD_CACHE_DIR = Path(tempfile.mkdtemp(prefix="registry-downloads-"))
    # The test database is this process's own (in memory, or in a transaction no other connection
    # sees): downloads are written here. test_downloads_apart.py writes them apart, under gunicorn.
    settings.PUBLIC_DOWNLOADS_APART = False


@pytest.fixture
def article(db):
    """Load the TASS article of 2025-11-12 as `make run` does."""
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)


def _staff(django_user_model, username, group=None, **extra):
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def superuser(db, django_user_model):
    return _staff(django_user_model, "alice", is_superuser=True)


@pytest.fixture
def editor(db, django_user_model):
    return _staff(django_user_model, "bob", group="Editors")


@pytest.fixture
def viewer(db, django_user_model):
    return _staff(django_user_model, "charlie", group="Viewers")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


# Headless Chromium for the browser tests (see tests/browser.py).
from tests.browser import browser, page  # noqa: E402, F401
