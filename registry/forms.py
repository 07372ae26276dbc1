from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _
from import_export.forms import ImportForm, SelectableFieldsExportForm

from .slugs import slug_from_name
from .spreadsheets import FileRefused, header_matcher, resolve_headers


def offer_xlsx_first(form, formats):
    """Preselect XLSX, the format staff use most, in an import or export form."""
    titles = [file_format().get_title() for file_format in formats]
    if "xlsx" in titles:
        form.fields["format"].initial = str(titles.index("xlsx"))


class SpreadsheetExportForm(SelectableFieldsExportForm):
    """The library's export form, with XLSX preselected and each column named as in the file."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        offer_xlsx_first(self, formats)

    def _get_field_label(self, resource, field_name):
        # The library labels a column "Name Ru (Название по-русски)": its attribute, title-cased
        # English, before the header staff know. Show the header alone.
        field = resource.fields.get(field_name)
        return field.column_name if field else super()._get_field_label(resource, field_name)


class SpreadsheetImportForm(ImportForm):
    """The library's import form, plus what it lacks: a size limit checked before anything is
    parsed, and a file of the wrong format or with the wrong headers refused as a form error."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        offer_xlsx_first(self, formats)
        self.formats = formats
        self.resources = resources

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Файл слишком большой: %(size)s, а можно не больше %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload, chosen = cleaned.get("import_file"), cleaned.get("format")
        if upload is None or chosen in (None, ""):
            return cleaned
        file_format = self.formats[int(chosen)]()
        resource = self.resources[int(cleaned.get("resource") or 0)]()
        data = b"".join(upload.chunks())
        upload.seek(0)
        try:
            dataset = file_format.create_dataset(data, wanted=header_matcher(resource))
        except FileRefused as error:
            self.add_error("import_file", str(error))
            return cleaned
        except Exception:  # any parser failure means "not this format"
            self.add_error(
                "import_file",
                _("Не удалось прочитать файл как %(format)s. Проверьте, что выбран правильный формат.")
                % {"format": file_format.get_title().upper()},
            )
            return cleaned
        if not any(dataset.headers or []):
            self.add_error("import_file", _("В файле нет строки заголовков."))
            return cleaned
        try:
            resolve_headers(resource, dataset.headers)
        except FileRefused as error:
            self.add_error("import_file", header_message(dataset, error))
            return cleaned
        if not len(dataset):
            self.add_error("import_file", _("В файле нет ни одной строки данных."))
            return cleaned
        # Parsed once: the admin keeps these rows for the preview and the confirmation.
        upload.parsed_dataset = dataset
        return cleaned


def header_message(dataset, error):
    """Say where the headers were looked for when they were not in row 1."""
    if getattr(dataset, "header_row", 1) > 1:
        return _("%(error)s Заголовки искали в строке %(row)d (выше — заголовок таблицы?).") % {
            "error": error,
            "row": dataset.header_row,
        }
    return str(error)


class SlugFromNameForm(forms.ModelForm):
    """The record's code may be left empty: it is then made from the record's name, in Latin."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _(
                "Латиницей, без пробелов, например msu-astana; служит ссылкой в таблицах и URL. "
                "Оставьте пустым, и код составится из названия."
            )

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.fields:
            if not cleaned.get("slug"):
                cleaned["slug"] = slug_from_name(self._meta.model, cleaned, exclude_pk=self.instance.pk)
        elif not self.instance.slug:  # a form without the code, such as the branch inline
            self.instance.slug = slug_from_name(self._meta.model, cleaned, exclude_pk=self.instance.pk)
        return cleaned


class OptimisticLockForm(SlugFromNameForm):
    """Refuse to save over a change another member of staff saved after this form was opened.

    The record's `updated_at` when the form was rendered travels in a hidden field; if the record
    has been saved since, the second save is refused with a message instead of silently
    overwriting the first.
    """

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # From the database, not the instance: a history revert form holds an older version.
        current = self.stored_version()
        if current is not None:
            self.fields["loaded_version"].initial = current.isoformat()

    def stored_version(self):
        if self.instance.pk is None:
            return None
        saved = type(self.instance).objects.filter(pk=self.instance.pk)
        return saved.values_list("updated_at", flat=True).first()

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if loaded:
            current = self.stored_version()
            if current is not None and current.isoformat() != loaded:
                raise forms.ValidationError(
                    _(
                        "Пока вы редактировали, эту запись сохранил другой сотрудник (%(when)s). "
                        "Ваши изменения не сохранены: откройте запись заново и внесите их ещё раз."
                    )
                    % {"when": localize(timezone.localtime(current))},
                    code="stale",
                )
        return cleaned
