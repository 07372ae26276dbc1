"""Every admin URL, GET and POST, for every persona: nobody writes without the permission for it.

The URLs are read from the admin site itself, so a URL added later (a new model, a library
upgrade, a custom view) is either in the matrix below or fails
`test_every_admin_url_is_in_the_matrix`. A denied POST must leave the database exactly as it was.
Each allowed POST runs in a savepoint that is rolled back, so the next URL sees the same records.
"""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, reverse
from simple_history.admin import SimpleHistoryAdmin

from registry import duplicates, models
from registry.spreadsheets import FORMATS, RESOURCES
from tests import factories
from tests.forms import form_data

PERSONAS = ["anonymous", "staff", "viewer", "editor", "superuser"]

#: What each persona may do to a registry model; the admin's own models are the superuser's alone.
GRANTS = {
    "viewer": {"view", "export"},
    "editor": {"view", "export", "import", "add", "change", "delete", "revert", "restore", "merge"},
}
#: What nobody may do, not even a superuser: the import journal is the audit trail.
NOBODY = {
    models.ImportRecord: {"add", "change", "delete"},
    # A merge is recorded by the merge itself, and kept so it can be undone.
    models.InstitutionMerge: {"add", "change", "delete"},
    # django-axes records login attempts itself.
    AccessAttempt: {"add"},
    AccessLog: {"add"},
    AccessFailureLog: {"add"},
}

#: For each view of a model's admin: the permission a GET needs and the one a POST needs.
#: "staff" means any logged-in staff member (the view itself checks nothing more and writes nothing).
MODEL_VIEWS = {
    "changelist": ("view", "actions"),  # a POST runs an action: see ACTION_NEEDS
    "add": ("add", "add"),
    "change": ("view", "change"),
    "object": ("staff", "staff"),  # <id>/ redirects to <id>/change/
    "delete": ("delete", "delete"),
    "history": ("view", "view"),
    "simple_history": ("view", "revert"),  # and "restore" on a deleted record's version
    "import": ("import", "import"),
    "process_import": ("post_only", "import"),
    "export": ("export", "export"),
    "import_template": ("import_or_export", "import_or_export"),
    "password_change": ("change", "change"),  # auth.User
    "duplicates": ("view", "merge"),  # the likely-duplicates report; a POST merges a pair
}
ACTION_NEEDS = {
    "delete_selected": "delete",
    "publish": "change",
    "unpublish": "change",
    "export_admin_action": "export",
    "cleanup_expired_attempts": "view",  # django-axes: removes expired lockouts only
    "revert": "restore",  # undoing a merge brings the merged-away institution back
}
#: Actions that write when a permitted user runs them on the record (the proof that the POST is real).
WRITING_ACTIONS = {"delete_selected", "unpublish", "revert"}  # the record starts published
SITE_VIEWS = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
    "catch_all",
}
CSV = next(str(i) for i, cls in enumerate(FORMATS) if cls().get_title().lower() == "csv")


def admin_urls():
    """Return (model admin or None, view name, route) for every URL the admin site serves."""
    found = []
    owners = {f"{m._meta.app_label}/{m._meta.model_name}/": ma for m, ma in admin.site._registry.items()}

    def walk(patterns, prefix, model_admin):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                owner = owners.get(str(pattern.pattern))
                walk(pattern.url_patterns, prefix + str(pattern.pattern), owner or model_admin)
                continue
            route = prefix + str(pattern.pattern)
            if model_admin is None:
                view = pattern.name or ("catch_all" if "(?P<url>" in route else route)
            else:
                prefix_name = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_"
                if pattern.name is None:
                    view = "object" if route.endswith("<path:object_id>/") else route
                elif pattern.name == "auth_user_password_change":
                    view = "password_change"
                else:
                    view = pattern.name.removeprefix(prefix_name)
            found.append((model_admin, view, route))

    walk(admin.site.get_urls(), "", None)
    return found


def test_every_admin_url_is_in_the_matrix():
    unknown = [
        route
        for model_admin, view, route in admin_urls()
        if view not in (MODEL_VIEWS if model_admin else SITE_VIEWS)
    ]
    assert unknown == [], "add these admin URLs to the permission matrix"


# --- records to point the URLs at -----------------------------------------------------------


def record_of(model, another=False):
    if model is models.InstitutionMerge:
        return duplicates.merge(factories.institution(), factories.institution())
    if model._meta.app_label == "registry" and model is not models.ImportRecord:
        return factories.record_of(model._meta.model_name, another)
    return {
        models.ImportRecord: lambda: models.ImportRecord.objects.create(
            model="registry.Institution", file_name="a.csv", file_format="csv", via="admin"
        ),
        Group: lambda: Group.objects.create(name="Others"),
        apps.get_model("auth", "User"): lambda: apps.get_model("auth", "User").objects.create_user("eve"),
        AccessAttempt: lambda: AccessAttempt.objects.create(
            username="eve", ip_address="192.0.2.1", failures_since_start=1
        ),
        AccessLog: lambda: AccessLog.objects.create(username="eve", ip_address="192.0.2.1"),
        AccessFailureLog: lambda: AccessFailureLog.objects.create(username="eve", ip_address="192.0.2.1"),
    }[model]()


def database_state():
    """Every row of the registry, auth, axes and admin-log tables (sessions aside)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in {"registry", "auth", "axes", "admin"}
    }


@pytest.fixture
def clients(db, superuser, editor, viewer, django_user_model):
    staff = django_user_model.objects.create_user("dave", is_staff=True)
    result = {"anonymous": Client()}
    for name, user in [("staff", staff), ("viewer", viewer), ("editor", editor), ("superuser", superuser)]:
        result[name] = Client()
        result[name].force_login(user)
    return result


def may(persona, model, permission):
    if permission == "import_or_export":
        return may(persona, model, "import") or may(persona, model, "export")
    if persona == "anonymous":
        return False
    if permission == "staff":
        return True
    if permission in NOBODY.get(model, set()):
        return False
    if persona == "superuser":
        return True
    return model._meta.app_label == "registry" and permission in GRANTS.get(persona, set())


class Rollback(Exception):
    pass


def post_and_undo(client, url, data):
    """POST, note what it did to the database, and undo it."""
    before = database_state()
    try:
        with transaction.atomic():
            response = client.post(url, data)
            changed = database_state() != before
            raise Rollback
    except Rollback:
        pass
    return response, changed


def assert_denied(persona, response, url, action=None):
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    elif action:  # an action the user may not run is not offered: the list comes back unchanged
        assert response.status_code in {200, 403}, (url, action, response.status_code)
    else:
        assert response.status_code == 403, (url, response.status_code)


# --- the matrix: one test per model admin and persona ----------------------------------------


MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("model", [model for model, _ in MODEL_ADMINS], ids=lambda m: m._meta.label)
def test_admin_permission_matrix(clients, persona, model):
    model_admin = admin.site._registry[model]
    record = record_of(model)
    superuser, client = clients["superuser"], clients[persona]
    requests = []  # (url, view, method, permission, data, proof that a permitted POST writes)
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    for _, view, _route in (u for u in admin_urls() if u[0] is model_admin):
        get_needs, post_needs = MODEL_VIEWS[view]
        if view == "object":
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{record.pk}/"
        elif view == "password_change":
            url = reverse("admin:auth_user_password_change", args=[record.pk])
        elif view in {"change", "delete", "history"}:
            url = reverse(f"{info}_{view}", args=[record.pk])
        elif view == "simple_history":
            url = reverse(f"{info}_simple_history", args=[record.pk, record.history.latest().history_id])
        else:
            url = reverse(f"{info}_{view}")
        requests.append((url, view, "GET", get_needs, None, False))
        if view == "changelist":
            actions = model_admin.get_actions(rf_request(superuser))
            for action in actions:
                assert action in ACTION_NEEDS, f"add the admin action {action!r} to ACTION_NEEDS"
                data = {"action": action, "_selected_action": [record.pk], "post": "yes"}
                requests.append((url, view, "POST", ACTION_NEEDS[action], data, action in WRITING_ACTIONS))
        elif view in {"change", "simple_history", "add", "password_change"}:
            data = form_data(superuser.get(url).content.decode())
            requests.append((url, view, "POST", post_needs, data, view in {"change", "simple_history"}))
        elif view == "delete":
            requests.append((url, view, "POST", post_needs, {"post": "yes"}, True))
        elif view == "process_import":
            data = confirmation_of_reimport(superuser, model, record)
            requests.append((url, view, "POST", post_needs, data, True))
        elif view == "duplicates":
            pair = {"keep": record.pk, "drop": factories.institution().pk}
            requests.append((url, view, "POST", post_needs, pair, True))
        elif view == "import":
            requests.append((url, view, "POST", post_needs, reimport_upload(model, record), False))
        else:
            requests.append((url, view, "POST", post_needs, {}, False))
    if isinstance(model_admin, SimpleHistoryAdmin):
        gone = record_of(model, another=True)
        pk, version = gone.pk, gone.history.latest().history_id
        gone.delete()
        url = reverse(f"{info}_simple_history", args=[pk, version])
        requests.append((url, "simple_history", "GET", "view", None, False))
        requests.append(
            (url, "simple_history", "POST", "restore", form_data(superuser.get(url).content.decode()), True)
        )

    for url, view, method, permission, data, writes in requests:
        allowed = may(persona, model, permission)
        if method == "GET":
            response = client.get(url)
            if permission == "post_only" and persona != "anonymous":
                assert response.status_code == 405, url
            elif allowed:
                assert response.status_code in ({302} if view == "object" else {200}), (
                    url,
                    response.status_code,
                )
            else:
                assert_denied(persona, response, url)
            continue
        response, changed = post_and_undo(client, url, data)
        if allowed:
            assert response.status_code < 400, (url, data.get("action"), response.status_code)
            if persona == "superuser" and writes:
                assert changed, f"the superuser's POST to {url} {data.get('action', '')} wrote nothing"
        else:
            assert not changed, (
                f"{persona} changed the database with a POST to {url} {data.get('action', '')}"
            )
            assert_denied(persona, response, url, data.get("action"))


def rf_request(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = apps.get_model("auth", "User").objects.get(pk=client.session["_auth_user_id"])
    return request


def reimport_upload(model, record):
    """The record's own export as a CSV upload: importing it back is a real, valid import."""
    if model not in RESOURCES:
        return {}
    dataset = RESOURCES[model]().export(model.objects.filter(pk=record.pk))
    return {
        "resource": "0",
        "format": CSV,
        "import_file": SimpleUploadedFile("back.csv", dataset.csv.encode()),
    }


def confirmation_of_reimport(superuser, model, record):
    preview = superuser.post(
        reverse(f"admin:registry_{model._meta.model_name}_import"), reimport_upload(model, record)
    )
    assert preview.status_code == 200 and preview.context.get("confirm_form"), preview.context[
        "result"
    ].sheet_errors
    return preview.context["confirm_form"].initial


# --- the site's own URLs ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_site_urls_answer_each_persona(clients, persona):
    client = clients[persona]
    institution = factories.institution()
    site_urls = {view for model_admin, view, _ in admin_urls() if model_admin is None}
    requests = {
        "index": reverse("admin:index"),
        "password_change": reverse("admin:password_change"),
        "password_change_done": reverse("admin:password_change_done"),
        "jsi18n": reverse("admin:jsi18n"),
        "app_list": reverse("admin:app_list", args=["registry"]),
        "catch_all": "/admin/no-such-page/",
        "view_on_site": f"/admin/r/1/{institution.pk}/",
    }
    for view, url in requests.items():
        response = client.get(url)
        if persona == "anonymous":
            assert_denied(persona, response, url)
        else:
            assert response.status_code < 500, (url, response.status_code)
        _, changed = post_and_undo(client, url, {})
        assert not changed or view == "password_change", url
    # Logging in and out is for everyone; a wrong password is refused and changes no account.
    assert client.post(reverse("admin:login"), {"username": "alice", "password": "wrong"}).status_code in {
        200,
        302,
    }
    assert client.get(reverse("admin:logout")).status_code in {302, 405}  # logging out is a POST
    assert site_urls == set(requests) | {"login", "logout", "autocomplete"}


AUTOCOMPLETES = sorted(
    (model._meta.model_name, field)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label == "registry"
    for field in model_admin.autocomplete_fields
)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_autocomplete_answers_whoever_may_view_the_records(clients, persona):
    client = clients[persona]
    for model_name, field in AUTOCOMPLETES:
        url = reverse("admin:autocomplete")
        query = {"app_label": "registry", "model_name": model_name, "field_name": field, "term": ""}
        response = client.get(url, query)
        if persona in {"viewer", "editor", "superuser"}:
            assert response.status_code == 200, (model_name, field)
        else:
            assert_denied(persona, response, url)
        response, changed = post_and_undo(
            client, f"{url}?app_label=registry&model_name={model_name}&field_name={field}", {}
        )
        assert not changed and response.status_code in {302, 403, 405}
