"""The spreadsheet layer: what django-import-export lacks for Russian-speaking staff and the files
their programs write.

- formats: the file formats offered for import and export, and the formula guard on export;
- readers: encodings, delimiters, and the parsed rows kept between preview and confirmation;
- headers: Russian or English column headers, whatever the UI language;
- widgets: one cell to one value and back (dates, да/нет, choices, references by natural key);
- resources: the columns of every registry model;
- exports: an export's rows read as values and handed to the writer as they are read;
- reports: the messages and the row – column – reason table an import shows.

Other modules import the public names from here.
"""

from .formats import FORMATS, FORMATS_BY_NAME, IMPORT_FORMATS, format_for
from .headers import header_aliases, header_matcher, resolve_headers
from .readers import FileRefused, dump_parsed
from .reports import unknown_headers_message
from .resources import PREVIEW_DIFF_ROWS, RESOURCES, resource_for

__all__ = [
    "FORMATS",
    "FORMATS_BY_NAME",
    "FileRefused",
    "IMPORT_FORMATS",
    "PREVIEW_DIFF_ROWS",
    "RESOURCES",
    "dump_parsed",
    "format_for",
    "header_aliases",
    "header_matcher",
    "resolve_headers",
    "resource_for",
    "unknown_headers_message",
]
