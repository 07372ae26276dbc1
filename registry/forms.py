from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import localize
from django.utils.translation import gettext as _
from import_export.forms import ImportForm

from .spreadsheets import header_aliases, read_headers, unknown_headers_message


class SpreadsheetImportForm(ImportForm):
    """The library's import form, plus what it lacks: a size limit checked before anything is
    parsed, and a file of the wrong format or with the wrong headers refused as a form error."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
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
        data = b"".join(upload.chunks())
        upload.seek(0)
        try:
            headers, has_rows = read_headers(file_format, data)
        except ValueError:
            self.add_error(
                "import_file",
                _("Не удалось прочитать файл как %(format)s. Проверьте, что выбран правильный формат.")
                % {"format": file_format.get_title().upper()},
            )
            return cleaned
        if not any(headers):
            self.add_error("import_file", _("В файле нет строки заголовков."))
            return cleaned
        if not has_rows:
            self.add_error("import_file", _("В файле нет ни одной строки данных."))
            return cleaned
        resource = self.resources[int(cleaned.get("resource") or 0)]()
        aliases = header_aliases(resource)
        unknown = [h for h in headers if h.strip() and h.strip().casefold() not in aliases]
        if unknown:
            self.add_error("import_file", unknown_headers_message(resource, unknown))
        return cleaned


class OptimisticLockForm(forms.ModelForm):
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
                    % {"when": localize(current)},
                    code="stale",
                )
        return cleaned
