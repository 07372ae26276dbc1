"""Reading spreadsheet files into rows, with limits checked before anything is parsed.

A workbook (XLSX, ODS, XLS) is read by calamine (python-calamine), which keeps every cell of a
LibreOffice file where it is (tablib's ODS reader shifted cells after two empty ones, kept only the
first line of a multi-line cell and merged every sheet). Before calamine sees an archive, its
members are inflated here in bounded chunks: the declared sizes are checked against
IMPORT_MAX_UNCOMPRESSED_BYTES and a zip-bomb ratio, and the sheets are scanned for how far their
cells really reach (a declared `<dimension>` is never trusted) and for error values, which calamine
would otherwise turn into empty cells. CSV is decoded once and read row by row, stopping at
IMPORT_MAX_ROWS.

Every refusal is a `FileRefused` whose message the clerk reads.
"""

import csv
import datetime
import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.encoding import force_str
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .formulas import is_error_value, unguarded

CSV_DELIMITERS = [";", ",", "\t"]
#: How far below a title the header row may be.
HEADER_SEARCH_ROWS = 10
#: Members smaller than this are never suspected of being a zip bomb, whatever their ratio.
BOMB_MIN_BYTES = 1024 * 1024


class FileRefused(ValueError):
    """A file that is not imported, with the reason in the clerk's language."""


class CellError(str):
    """A spreadsheet error value (#N/A, #ЗНАЧ!, #DIV/0!…), or a formula saved with no value
    computed (kept as its text, `=NA()`): never a value to store."""

    @property
    def uncomputed(self):
        """Whether the cell holds a formula that no spreadsheet program has computed: scripts
        (openpyxl, odfpy) write formulas without their values, which calamine reads as empty."""
        return self.startswith("=")




def limits():
    """Return the import limits from settings (read on every call, so tests may change them)."""
    return {
        "rows": settings.IMPORT_MAX_ROWS,
        "columns": settings.IMPORT_MAX_COLUMNS,
        "bytes": settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
        "ratio": settings.IMPORT_MAX_COMPRESSION_RATIO,
    }


def too_many_rows(cell=None):
    """Refuse a file of more rows than IMPORT_MAX_ROWS; `cell`, the farthest one with content, when
    known: a stray value far down a sheet is as often the reason as a long file."""
    limit = limits()["rows"]
    if cell:
        message = ngettext(
            "В файле больше %(limit)s строки данных: значения доходят до ячейки %(cell)s. Если там "
            "ничего не должно быть, удалите лишнее; иначе разделите файл на части не больше "
            "%(limit)s строки и загрузите по очереди.",
            "В файле больше %(limit)s строк данных: значения доходят до ячейки %(cell)s. Если там "
            "ничего не должно быть, удалите лишнее; иначе разделите файл на части не больше "
            "%(limit)s строк и загрузите по очереди.",
            limit,
        )
    else:
        message = ngettext(
            "В файле больше %(limit)s строки данных. Разделите его на части не больше %(limit)s "
            "строки и загрузите по очереди.",
            "В файле больше %(limit)s строк данных. Разделите его на части не больше %(limit)s "
            "строк и загрузите по очереди.",
            limit,
        )
    return FileRefused(message % {"limit": grouped(limit), "cell": cell})


def too_many_columns(count):
    return FileRefused(
        _("В файле %(count)s столбцов, а можно не больше %(limit)s. Удалите лишние столбцы.")
        % {"count": grouped(count), "limit": grouped(limits()["columns"])}
    )


def grouped(number):
    """A number as the reader writes it: 50 000, 16 384 (50,000 in English)."""
    return number_format(number, force_grouping=True)


# --- sheets -----------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet as read: `rows[i]` is spreadsheet row i + 1, `errors` maps (row, column) indexes
    to the error value shown in that cell."""

    name: str
    rows: list
    errors: dict = field(default_factory=dict)
    #: whether its text may carry the export's formula guard (not JSON, which is written bare)
    guarded: bool = True


def column_letter(index):
    """Return the spreadsheet letter of a 0-based column index: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters):
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


# --- archives (XLSX, ODS) ---------------------------------------------------------------------

XLSX_TAG = re.compile(rb"<(row|c)\b([^>]*?)(/?)>")
XLSX_REF = re.compile(rb'\br="([A-Z]*)(\d+)"')
XLSX_ERROR = re.compile(rb'\bt="e"')
XLSX_VALUE = re.compile(rb"(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]*)</v>")
#: A formula with an empty value or none, up to the cell's end tag.
XLSX_UNCOMPUTED = re.compile(rb"<f\b[^>]*?(?:/>|>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
#: A text result, which may be empty (`=""`).
XLSX_TEXT = re.compile(rb'\bt="(?:str|inlineStr)"')
ODS_TAG = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>")
ODS_NAME = re.compile(rb'\btable:name="([^"]*)"')
ODS_ROWS = re.compile(rb'\btable:number-rows-repeated="(\d+)"')
ODS_COLUMNS = re.compile(rb'\btable:number-columns-repeated="(\d+)"')
ODS_ERROR = re.compile(rb'\bcalcext:value-type="error"')
ODS_TEXT = re.compile(rb"<text:p>([^<]*)</text:p>")
#: In either quotes: a formula holding `"` is written in `'` (odfpy does so).
ODS_FORMULA = re.compile(rb"""\btable:formula=(?:"([^"]*)"|'([^']*)')""")
ODS_VALUE_TYPE = re.compile(rb"\boffice:value-type=")
ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
CHUNK = 1024 * 1024


@dataclass
class Extent:
    """How far a sheet's cells with content reach, and where its error values are."""

    name: str = ""
    rows: int = 0
    columns: int = 0
    errors: dict = field(default_factory=dict)


def inspect_archive(data, kind):
    """Check an XLSX or ODS archive before it is parsed; return {sheet name or part: Extent}.

    Refuses a file that is not a zip, whose members would inflate beyond the limit or at a
    zip-bomb ratio, or whose cells reach beyond the row or column limit.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(
            _("Не удалось прочитать файл как %s: он повреждён или это другой формат.") % kind.upper()
        ) from error
    limit = limits()
    total = sum(info.file_size for info in members)
    if total > limit["bytes"]:
        raise FileRefused(
            _(
                "Файл после распаковки занял бы %(size)s, а можно не больше %(limit)s. "
                "Разделите его на части или удалите лишнее (картинки, форматирование пустых строк)."
            )
            % {"size": filesizeformat(total), "limit": filesizeformat(limit["bytes"])}
        )
    for info in members:
        if info.file_size > BOMB_MIN_BYTES and info.file_size > limit["ratio"] * max(info.compress_size, 1):
            raise FileRefused(
                _("Файл сжат подозрительно сильно (часть «%(part)s» больше в %(ratio)d раз): он не принят.")
                % {"part": info.filename, "ratio": info.file_size // max(info.compress_size, 1)}
            )
    extents = {}
    try:
        for info in members:
            scanner = None
            if kind == "xlsx" and re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                scanner = XlsxScanner()
            elif kind == "ods" and info.filename == "content.xml":
                scanner = OdsScanner()
            # Every member is inflated here, through zipfile, which stops at the declared size and
            # checks the CRC: a member that lies about its size is caught before calamine reads it.
            with archive.open(info) as member:
                tail = b""
                while chunk := member.read(CHUNK):
                    if scanner is not None:
                        buffer = tail + chunk
                        # Cut where the last cell begins, so each cell is scanned whole: its
                        # value (or its lack of one) follows its tag.
                        cut = buffer.rfind(scanner.CELL_START)
                        cut = cut if cut > 0 else buffer.rfind(b"<")
                        scanner.feed(buffer[:cut] if cut > 0 else buffer)
                        tail = buffer[cut:] if cut > 0 else b""
                if scanner is not None:
                    scanner.feed(tail)
            if scanner is not None:
                for extent in scanner.extents(info.filename):
                    extents[extent.name] = extent
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        if isinstance(error, FileRefused):
            raise
        raise FileRefused(
            _("Не удалось прочитать файл как %s: он повреждён или это другой формат.") % kind.upper()
        ) from error
    if kind == "xlsx":
        extents = {name: extents[part] for name, part in xlsx_sheet_parts(archive).items() if part in extents}
    return extents


class XlsxScanner:
    """Follow the row and cell tags of one worksheet; a declared `<dimension>` is ignored."""

    CELL_START = b"<c "

    def __init__(self):
        self.row = 0
        self.column = -1
        self.extent = Extent()
        self.limit = limits()

    def feed(self, text):
        for match in XLSX_TAG.finditer(text):
            tag, attributes, empty = match.groups()
            ref = XLSX_REF.search(attributes)
            if tag == b"row":
                self.row = int(ref.group(2)) if ref else self.row + 1
                self.column = -1
                continue
            self.column = column_index(ref.group(1).decode()) if ref and ref.group(1) else self.column + 1
            if empty:
                continue
            self.reach(self.row, self.column + 1)
            if XLSX_ERROR.search(attributes):
                value = XLSX_VALUE.match(text, match.end())
                shown = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
                self.extent.errors[(self.row - 1, self.column)] = html.unescape(shown)
            elif not XLSX_TEXT.search(attributes):
                formula = XLSX_UNCOMPUTED.match(text, match.end())
                if formula:
                    shown = (formula.group(1) or b"").decode("utf-8", "replace")
                    self.extent.errors[(self.row - 1, self.column)] = "=" + html.unescape(shown)

    def reach(self, row, columns):
        if row > self.extent.rows:
            if row > self.limit["rows"] + HEADER_SEARCH_ROWS + 1:
                raise too_many_rows(f"{column_letter(columns - 1)}{row}")
            self.extent.rows = row
        if columns > self.extent.columns:
            if columns > self.limit["columns"]:
                raise too_many_columns(columns)
            self.extent.columns = columns

    def extents(self, part):
        self.extent.name = part
        return [self.extent]


class OdsScanner(XlsxScanner):
    """Follow the tables, rows and repeated cells of an ODS content.xml."""

    CELL_START = b"<table:table-cell"

    def __init__(self):
        super().__init__()
        self.found = []
        self.repeat_rows = 1
        self.row_has_data = False

    def feed(self, text):
        for match in ODS_TAG.finditer(text):
            closing, tag, attributes, empty = match.groups()
            if tag == b"table":
                if not closing:
                    name = ODS_NAME.search(attributes)
                    self.extent = Extent(name=html.unescape(name.group(1).decode()) if name else "")
                    self.found.append(self.extent)
                    self.row = 0
            elif tag == b"table-row":
                if closing or empty:
                    self.row += self.repeat_rows if closing else int(self.repeated(ODS_ROWS, attributes))
                    continue
                self.repeat_rows = self.repeated(ODS_ROWS, attributes)
                self.column = 0
                self.row_has_data = False
            elif not closing:
                repeat = self.repeated(ODS_COLUMNS, attributes)
                formula = ODS_FORMULA.search(attributes)
                if not empty or formula:
                    self.reach(self.row + self.repeat_rows, self.column + repeat)
                    shown = None
                    if ODS_ERROR.search(attributes):
                        value = ODS_TEXT.match(text, match.end())
                        shown = (
                            html.unescape(value.group(1).decode("utf-8", "replace")) if value else "#ERROR"
                        )
                    elif formula and not ODS_VALUE_TYPE.search(attributes):
                        # LibreOffice always writes a formula's value and its type; a script may not.
                        written = formula.group(formula.lastindex).partition(b"=")[2]
                        shown = "=" + html.unescape(written.decode("utf-8", "replace"))
                    if shown is not None:
                        for offset in range(repeat):
                            self.extent.errors[(self.row, self.column + offset)] = shown
                self.column += repeat

    @staticmethod
    def repeated(pattern, attributes):
        found = pattern.search(attributes)
        return int(found.group(1)) if found else 1

    def extents(self, part):
        return self.found


def xlsx_sheet_parts(archive):
    """Return {sheet name: worksheet part} from the workbook and its relationships."""

    def attributes(tag):
        return {key.decode(): html.unescape(value.decode()) for key, value in ATTRIBUTE.findall(tag)}

    try:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for tag in re.findall(rb"<Relationship\b[^>]*>", relations):
        found = attributes(tag)
        target = found.get("Target", "")
        targets[found.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        found = attributes(tag)
        relation = next((value for key, value in found.items() if key.endswith(":id")), None)
        if "name" in found and relation in targets:
            parts[found["name"]] = targets[relation]
    return parts


def read_workbook(data, kind):
    """Return the worksheets of an XLSX, ODS or XLS file as `Sheet`s, visible ones first."""
    import python_calamine

    extents = inspect_archive(data, kind) if kind in ("xlsx", "ods") else {}
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = [m for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        metadata.sort(key=lambda m: m.visible != python_calamine.SheetVisibleEnum.Visible)
        sheets = []
        for meta in metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            # XLS has no archive to inspect first; its format caps it at 65 536 × 256 cells.
            if sheet.height > limits()["rows"] + HEADER_SEARCH_ROWS + 1:
                raise too_many_rows()
            if sheet.width > limits()["columns"]:
                raise too_many_columns(sheet.width)
            extent = extents.get(meta.name) or Extent()
            sheets.append(Sheet(meta.name, sheet.to_python(skip_empty_area=False), extent.errors))
    except python_calamine.CalamineError as error:
        raise FileRefused(
            _("Не удалось прочитать файл как %s: он повреждён или это другой формат.") % kind.upper()
        ) from error
    workbook.close()
    return sheets


# --- text (CSV) -------------------------------------------------------------------------------

#: Kazakh letters Windows-1251 lacks (і and І it has, from Ukrainian).
KAZAKH_LETTERS = "әғқңөұүһӘҒҚҢӨҰҮҺ"
#: What cp1251 made of a Kazakh letter: a question mark before a Cyrillic letter, or after one
#: (`технологиялы? университеті`) unless it ends a sentence: the cell, or before a capital or digit.
LOST_LETTER = re.compile(r"\?(?=[а-яёА-ЯЁ])|(?<=[а-яёА-ЯЁ])\?(?!\s*$|\s+[A-ZА-ЯЁ0-9])")


def decode_text(data):
    """Return (text, encoding label) for bytes in UTF-16 (with BOM), UTF-8 (BOM or not) or
    Windows-1251."""
    if isinstance(data, str):
        return data, "UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "UTF-8 (BOM)" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    try:
        return data.decode("cp1251"), "Windows-1251"
    except UnicodeDecodeError:
        raise FileRefused(
            _("Не удалось определить кодировку файла: сохраните его как «CSV UTF-8».")
        ) from None


def sniff_delimiter(text):
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        return max(CSV_DELIMITERS, key=header.count)


def delimiter_name(delimiter):
    return {";": _("точка с запятой"), ",": _("запятая"), "\t": _("табуляция")}[delimiter]


SEP_LINE = re.compile(r"^sep=(.)\r?$")


def read_csv(data):
    """Return (Sheet, description) for CSV bytes; stop reading past the row limit."""
    text, encoding = decode_text(data)
    first, _newline, rest = text.partition("\n")
    sep = SEP_LINE.match(first)
    if sep:
        # Excel's own hint; Excel does not show this line, so row 1 is the one after it.
        delimiter, text = sep.group(1), rest
    else:
        delimiter = sniff_delimiter(text)
    limit = limits()
    rows = []
    width_limit = limit["columns"]
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if len(rows) > limit["rows"] + HEADER_SEARCH_ROWS:
            raise too_many_rows()
        while row and not row[-1].strip():
            row.pop()
        if len(row) > width_limit:
            raise too_many_columns(len(row))
        rows.append(row)
    sheet = Sheet("", rows)
    if encoding == "Windows-1251":
        refuse_lost_letters(sheet)
    description = _("CSV, кодировка %(encoding)s, разделитель — %(delimiter)s") % {
        "encoding": encoding,
        "delimiter": delimiter_name(delimiter),
    }
    return sheet, description


def refuse_lost_letters(sheet):
    """Refuse a Windows-1251 file whose cells hold `?` where a Kazakh letter was."""
    places = [
        (number, index)
        for number, row in enumerate(sheet.rows, start=1)
        for index, cell in enumerate(row)
        if "?" in cell and LOST_LETTER.search(cell)
    ]
    if not places:
        return
    headers = sheet.rows[0] if sheet.rows else []
    columns = sorted({index for _row, index in places})
    names = ", ".join(
        f"«{headers[i].strip()}»" if i < len(headers) and headers[i].strip() else column_letter(i)
        for i in columns
    )
    rows = sorted({number for number, _index in places})
    shown = ", ".join(str(n) for n in rows[:10]) + ("…" if len(rows) > 10 else "")
    raise FileRefused(
        ngettext(
            "Файл сохранён в кодировке Windows-1251, в которой нет казахских букв (%(letters)s): "
            "они заменены знаком «?» в строке %(rows)s, столбцы %(columns)s. Сохраните файл как "
            "«CSV UTF-8» или XLSX и загрузите снова.",
            "Файл сохранён в кодировке Windows-1251, в которой нет казахских букв (%(letters)s): "
            "они заменены знаком «?» в строках %(rows)s, столбцы %(columns)s. Сохраните файл как "
            "«CSV UTF-8» или XLSX и загрузите снова.",
            len(rows),
        )
        % {"letters": ", ".join(KAZAKH_LETTERS[:8]), "rows": shown, "columns": names}
    )


# --- from rows to a dataset -------------------------------------------------------------------


def clean_cell(value, guarded=True):
    """Return a cell as the admin form would take it: text trimmed (NBSP too) with LF line ends
    and the export's formula guard taken off, whole numbers as int, error values marked."""
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not guarded:  # JSON: no spreadsheet wrote it, and a text is a text
            return text
        plain = unguarded(text)
        if plain == text and is_error_value(text):  # a guarded "#N/A" was exported as text
            return CellError(text)
        return plain
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def is_empty(value):
    return value is None or value == ""


def filled_width(row):
    """Return the number of cells up to and including the row's last non-empty one."""
    for index in range(len(row) - 1, -1, -1):
        if not is_empty(row[index]):
            return index + 1
    return 0


def header_row_index(rows, wanted=None):
    """Return the index of the header row among the top rows: the one `wanted` scores best, else
    the first with two or more filled cells (a title above it fills one), else the first
    non-empty row."""
    top = rows[:HEADER_SEARCH_ROWS]
    if wanted is not None:
        scores = [wanted([force_str(cell) for cell in row]) for row in top]
        if scores and max(scores) > 0:
            return scores.index(max(scores))
    first = None
    for index, row in enumerate(top):
        filled = sum(1 for cell in row if not is_empty(cell))
        if filled >= 2:
            return index
        if filled and first is None:
            first = index
    return first


def dataset_from_sheet(sheet, description, wanted=None):
    """Build the dataset the resource imports: the header row, then every non-empty row, each
    remembering its spreadsheet row number (`dataset.row_numbers`)."""
    rows = [[clean_cell(cell, sheet.guarded) for cell in row] for row in sheet.rows]
    for (row, column), shown in sheet.errors.items():
        if row < len(rows) and column < len(rows[row]):
            rows[row][column] = CellError(shown)
    header_at = header_row_index(rows, wanted)
    dataset = tablib.Dataset()
    dataset.row_numbers = []
    dataset.sheet_name = sheet.name
    dataset.header_row = (header_at or 0) + 1
    dataset.detected = description
    if header_at is None:
        return dataset
    headers = ["" if is_empty(cell) else force_str(cell) for cell in rows[header_at]]
    body = [(number, row) for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2)]
    body = [(number, row) for number, row in body if any(not is_empty(cell) for cell in row)]
    if len(body) > limits()["rows"]:
        raise too_many_rows()
    width = max([filled_width(headers), *(filled_width(row) for _number, row in body)])
    headers = (headers + [""] * width)[:width]
    refuse_blank_headers(headers, body, header_at + 1)
    dataset.headers = headers
    for number, row in body:
        dataset.append((list(row) + [""] * width)[:width])
        dataset.row_numbers.append(number)
    return dataset


def refuse_blank_headers(headers, body, header_row):
    blank = [
        index
        for index, header in enumerate(headers)
        if header == "" and any(index < len(row) and not is_empty(row[index]) for _n, row in body)
    ]
    if blank:
        raise FileRefused(
            _(
                "В строке заголовков (строка %(row)d) у столбцов %(columns)s нет заголовка, но в них "
                "есть данные (возможно, объединённые ячейки). Впишите заголовок или удалите столбец; "
                "заголовки должны быть в первой строке или сразу под названием таблицы."
            )
            % {"row": header_row, "columns": ", ".join(column_letter(i) for i in blank)}
        )


def choose_sheet(sheets, wanted=None):
    """Return the sheet to read: with several, the one whose header row matches `wanted` (a
    callable that scores header cells) best, else the first non-empty one."""
    filled = [sheet for sheet in sheets if any(any(not is_empty(c) for c in row) for row in sheet.rows)]
    if not filled:
        return sheets[0] if sheets else Sheet("", [])
    if wanted is None or len(filled) == 1:
        return filled[0]

    def score(sheet):
        at = header_row_index(sheet.rows, wanted)
        return wanted([force_str(c) for c in sheet.rows[at]]) if at is not None else 0

    return max(filled, key=score)


# --- the parsed rows between preview and confirmation ------------------------------------------

PARSED_MARK = b"registry-parsed-dataset/2\n"


def dump_parsed(dataset):
    """Serialise a parsed dataset for the wait between preview and confirmation.

    The confirmation then reads this instead of parsing the spreadsheet a second time.
    """

    def encode(value):
        if isinstance(value, datetime.datetime):
            return {"datetime": value.isoformat()}
        if isinstance(value, datetime.date):
            return {"date": value.isoformat()}
        if isinstance(value, datetime.time):
            return {"time": value.isoformat()}
        return str(value)

    def cell(value):
        return {"error": str(value)} if isinstance(value, CellError) else value

    payload = {
        "headers": dataset.headers,
        "rows": [[cell(value) for value in row] for row in dataset],
        "detected": getattr(dataset, "detected", ""),
        "row_numbers": getattr(dataset, "row_numbers", None),
        "sheet_name": getattr(dataset, "sheet_name", ""),
    }
    return PARSED_MARK + json.dumps(payload, default=encode, ensure_ascii=False).encode("utf-8")


def load_parsed(data):
    def decode(obj):
        if "datetime" in obj:
            return datetime.datetime.fromisoformat(obj["datetime"])
        if "date" in obj:
            return datetime.date.fromisoformat(obj["date"])
        if "time" in obj:
            return datetime.time.fromisoformat(obj["time"])
        if "error" in obj:
            return CellError(obj["error"])
        return obj

    payload = json.loads(bytes(data[len(PARSED_MARK) :]).decode("utf-8"), object_hook=decode)
    dataset = tablib.Dataset(*[tuple(row) for row in payload["rows"]], headers=payload["headers"])
    dataset.detected = payload["detected"]
    dataset.row_numbers = payload.get("row_numbers")
    dataset.sheet_name = payload.get("sheet_name", "")
    return dataset


def is_parsed(data):
    return isinstance(data, (bytes, memoryview)) and bytes(data[: len(PARSED_MARK)]) == PARSED_MARK
