"""Match names from analysts' own spreadsheets to the registry: the W3C Reconciliation API
(version 0.2, what OpenRefine speaks) at /reconcile, and a page to paste a column of names.

Both answer through registry.matching.match and see published records only.
"""

import io
import json
from urllib.parse import urlencode

import openpyxl
from django import forms
from django.core.exceptions import RequestDataTooBig
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import downloads, models
from .matching import match, record_code
from .search import fragment_filter, normalise_for_search
from .slugs import resolve_slug

#: Record kinds a name can be matched to, as the service's types.
TYPES = {
    "institution": models.Institution,
    "branch": models.Branch,
    "agreement": models.Agreement,
    "programme": models.Programme,
    "country": models.Country,
    "region": models.Region,
    "fieldofstudy": models.FieldOfStudy,
}
DEFAULT_TYPE = "institution"
MAX_QUERIES = 100
MAX_QUERY_LENGTH = 500
MAX_LIMIT = 25


class BadRequest(ValueError):
    pass


def type_entry(name):
    return {"id": name, "name": str(capfirst(TYPES[name]._meta.verbose_name))}


def manifest(request):
    root = request.build_absolute_uri("/").rstrip("/")
    return {
        "versions": ["0.2"],
        "name": _("Реестр сотрудничества России и Казахстана в образовании"),
        "identifierSpace": f"{root}/reconcile/ids",
        "schemaSpace": f"{root}/reconcile/schema",
        "defaultTypes": [type_entry(name) for name in TYPES],
        "view": {"url": f"{root}/reconcile/view/{{{{id}}}}"},
        "batchSize": 25,
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def reconcile(request):
    """Answer the manifest, or a batch of queries given as `queries=` JSON (GET or form POST)."""
    try:
        params = request.POST if request.method == "POST" else request.GET
        if "queries" in params:
            queries = parse_json(params["queries"])
            if not isinstance(queries, dict):
                raise BadRequest(_('queries должен быть объектом JSON: {"q0": {"query": "…"}}.'))
            if len(queries) > MAX_QUERIES:
                raise BadRequest(_("Не больше %d запросов за раз.") % MAX_QUERIES)
            body = {str(key): {"result": answer(query)} for key, query in queries.items()}
        elif "query" in params:
            # The older single-query form: a bare string or one query object.
            raw = params["query"]
            query = parse_json(raw) if raw.lstrip().startswith("{") else {"query": raw}
            body = {"result": answer(query)}
        else:
            body = manifest(request)
    except RequestDataTooBig:  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django would answer in HTML
        message = _("Запрос слишком велик: отправляйте не больше %d запросов за раз.") % MAX_QUERIES
    except BadRequest as refused:
        message = str(refused)
    else:
        return cors(JsonResponse(body, json_dumps_params={"ensure_ascii": False}))
    return cors(JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False}))


def cors(response):
    # The service is public and read-only; browser-based clients may call it from anywhere.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def parse_json(text):
    try:
        return json.loads(text)
    except ValueError:
        raise BadRequest(_("Не удалось прочитать JSON.")) from None


def answer(query):
    """Return the candidates for one query object of the Reconciliation API."""
    if not isinstance(query, dict):
        raise BadRequest(_("Каждый запрос должен быть объектом JSON с полем query."))
    if "\\u0000" in json.dumps(query):  # a NUL in its text or properties: PostgreSQL refuses to look it up
        raise BadRequest(ProhibitNullCharactersValidator.message)
    text = query.get("query")
    if not isinstance(text, str):
        raise BadRequest(_("В запросе нет текста (поле query)."))
    if len(text) > MAX_QUERY_LENGTH:
        raise BadRequest(_("Запрос длиннее %d знаков.") % MAX_QUERY_LENGTH)
    kind = query.get("type") or DEFAULT_TYPE
    if isinstance(kind, list):
        kind = kind[0] if kind else DEFAULT_TYPE
    if kind not in TYPES:
        raise BadRequest(
            _("Неизвестный тип «%(type)s». Возможные: %(types)s.") % {"type": kind, "types": ", ".join(TYPES)}
        )
    limit = query.get("limit", 5)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise BadRequest(_("limit должен быть целым числом от 1."))
    limit = min(limit, MAX_LIMIT)
    if not text.strip():
        return []  # an empty cell of a column: nothing to match, the other queries answered
    model = TYPES[kind]
    queryset = narrowed(model, public_records(model), query.get("properties") or [])
    found = match(model, text, queryset=queryset, limit=limit)
    single = found.record is not None
    return [
        {
            "id": candidate.code,
            "name": str(candidate.record),
            "score": candidate.score,
            "match": single,
            "type": [type_entry(kind)],
        }
        for candidate in found.candidates[:limit]
    ]


def public_records(model):
    manager = model._default_manager
    return manager.published() if hasattr(manager, "published") else manager.all()


def narrowed(model, queryset, properties):
    """Narrow by the properties OpenRefine sends: `country` (ISO code or name) and `city`."""
    if not isinstance(properties, list):
        raise BadRequest(_('properties должен быть списком: [{"pid": "country", "v": "KZ"}].'))
    fields = {f.name for f in model._meta.get_fields()}
    for prop in properties:
        if not isinstance(prop, dict):
            raise BadRequest(_("Каждое свойство — объект с полями pid и v."))
        pid, value = prop.get("pid"), prop.get("v")
        if isinstance(value, dict):  # an already reconciled value: {"id": "KZ", "name": "…"}
            value = value.get("id") or value.get("name")
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, str | int) or not str(value).strip():
            continue
        value = str(value)
        if pid == "country" and "country" in fields:
            country = match(models.Country, value).record
            queryset = queryset.filter(country=country) if country else queryset.none()
        elif pid == "city" and "city" in fields:
            queryset = queryset.filter(fragment_filter(normalise_for_search(value), model))
    return queryset


def view(request, code):
    """Open the page of what a reconciled id names: a record's public page, or the list of the
    institutions in a country or region or teaching a field of study."""
    for model in (models.Institution, models.Branch, models.Agreement, models.Programme):
        record = model.objects.published().filter(slug=resolve_slug(model, code)).first()
        if record is not None:
            return redirect(record)
    for model, parameter in ((models.Country, "country"), (models.FieldOfStudy, "field")):
        if model.objects.filter(code=code).exists():
            return redirect(f"{reverse('registry:institution_list')}?{urlencode({parameter: code})}")
    region = match(models.Region, code).record if ":" in code else None
    if region is not None:
        return redirect(f"{reverse('registry:institution_list')}?{urlencode({'region': region.pk})}")
    raise Http404


# --- the page where a person pastes a column of names -----------------------------------------

MAX_NAMES = 1000


class MatchForm(forms.Form):
    names = forms.CharField(
        label=gettext_lazy("Названия, по одному в строке"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=MAX_NAMES * 200,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Что ищем"),
        choices=[(name, capfirst(model._meta.verbose_name_plural)) for name, model in TYPES.items()],
        initial=DEFAULT_TYPE,
    )

    def clean_names(self):
        names = [line.strip() for line in self.cleaned_data["names"].splitlines() if line.strip()]
        if not names:
            raise forms.ValidationError(_("Вставьте хотя бы одно название."))
        if len(names) > MAX_NAMES:
            raise forms.ValidationError(_("Не больше %d строк за раз.") % MAX_NAMES)
        return names


def match_page(request):
    """Paste names, see what each matches, download the table as XLSX."""
    form = MatchForm(request.POST or None)
    rows = []
    if request.method == "POST" and form.is_valid():
        model = TYPES[form.cleaned_data["kind"]]
        rows = [
            match_row(name, match(model, name, queryset=public_records(model)))
            for name in form.cleaned_data["names"]
        ]
        if "download" in request.POST:
            return xlsx_response(rows)
    return render(request, "registry/match.html", {"form": form, "rows": rows})


def match_row(name, found):
    if found.record is not None:
        outcome = _("найдено")
    elif len(found.exact) > 1:
        outcome = _("несколько")
    elif found.nearest:
        outcome = _("похожие")
    else:
        outcome = _("не найдено")
    best = found.candidates[0] if found.candidates else None
    return {
        "name": name,
        "outcome": outcome,
        "record": found.record,
        "code": record_code(found.record) if found.record is not None else "",
        "score": best.score if best else "",
        "candidates": "; ".join(f"{c.code} ({c.record}, {c.score:g})" for c in found.candidates)
        if found.record is None
        else "",
    }


HEADERS = [
    gettext_lazy("Название в таблице"),
    gettext_lazy("Результат"),
    gettext_lazy("Код записи"),
    gettext_lazy("Название в реестре"),
    gettext_lazy("Оценка"),
    gettext_lazy("Варианты"),
]


def xlsx_response(rows):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Совпадения"))
    sheet.append([str(header) for header in HEADERS])
    for row in rows:
        record = str(row["record"]) if row["record"] is not None else ""
        cells = [row["name"], row["outcome"], row["code"], record, row["score"], row["candidates"]]
        sheet.append([downloads.xlsx_value(sheet, cell) for cell in cells])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = downloads.filename(gettext_lazy("совпадения"), "xlsx")
    return response
