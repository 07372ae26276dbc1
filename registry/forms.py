from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from import_export.forms import ImportForm

from .resources import unknown_headers_message
from .spreadsheets import header_aliases, read_headers


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
            headers, dataset = read_headers(file_format, data)
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
        if not len(dataset):
            self.add_error("import_file", _("В файле нет ни одной строки данных."))
            return cleaned
        resource = self.resources[int(cleaned.get("resource") or 0)]()
        aliases = header_aliases(resource)
        unknown = [h for h in headers if h.strip() and h.strip().casefold() not in aliases]
        if unknown:
            self.add_error("import_file", unknown_headers_message(resource, unknown))
        return cleaned
