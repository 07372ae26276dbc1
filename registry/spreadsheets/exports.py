"""Exports read as values and written as they are read: the speed-up for the `make bench` rows
"admin export XLSX" and "admin export CSV".

The gap it fills: django-import-export 4.4 exports record by record. `Resource.export` builds a
model instance for every row (parsing timestamps no column shows), asks each `Field` for its
value and each widget to render it, and appends every row to a tablib Dataset before the first
byte of the file is written; it has no way to read a column as values, nor to hand rows to a
writer as they come. Here each column says how it is read from `values_list`
(`Field.export_cells`, made from the widget's own render rules, once per export), many-to-many
values and parties are read in one query per relation for each chunk of rows, and rows go to
the format's writer chunk by chunk. What is exported — the columns, their headers, the queryset
and its filters — still comes from the resource (`RegistryResource.export`).
"""

from itertools import islice

from django.core.exceptions import FieldDoesNotExist


class ExportRows:
    """An export's headers and rows, read from the database while the file is written.

    Rows can be read once; `len()` is the number of rows read so far, all of them once the file
    is written. `text_columns` lists the columns that may need the formula guard (not numbers,
    dates, or labels that never do).
    """

    title = None

    def __init__(self, headers, rows, text_columns):
        self.headers = headers
        self.text_columns = text_columns
        self._rows = rows
        self._count = 0

    def __iter__(self):
        if self._rows is None:
            raise RuntimeError("An export's rows can be read only once.")
        rows, self._rows = self._rows, None
        for row in rows:
            self._count += 1
            yield row

    def __len__(self):
        return self._count

    def __bool__(self):
        # An export is there before its rows are read, even while len() is still 0.
        return True


def export_columns(resource, fields, force_native_type=False):
    """Return how each of `fields` is read as values, or None if one of them needs the record
    (a `dehydrate_…` method, a field or widget that cannot say)."""
    columns = []
    for field in fields:
        dehydrate = field.get_dehydrate_method(resource.get_field_name(field))
        if callable(dehydrate) or hasattr(resource, dehydrate):
            return None
        cells = getattr(field, "export_cells", lambda **kwargs: None)(force_native_type=force_native_type)
        if cells is None:
            return None
        columns.append(cells)
    return columns


def read_rows(queryset, columns, chunk_size):
    """Yield the cells of every record of `queryset`, in its order, one list per record.

    One query reads the records' own values; each many-valued column takes one more query per
    chunk of `chunk_size` records, whatever the number of rows.
    """
    width = len(columns)
    # The first value of each column sits where its cell goes, so that a row is made by
    # converting a few cells of the values in place; a many-valued column holds the record's key
    # there, and a column of several values has the others after the last column.
    paths, extra = [], []
    singles, multiples, manys = [], [], []
    for index, cells in enumerate(columns):
        if cells.many:
            paths.append("pk")
            manys.append((index, cells.render, related_reader(queryset.model, cells)))
            continue
        first, *others = cells.paths
        paths.append(first)
        if others:
            start = width + len(extra)
            extra.extend(others)
            multiples.append((index, cells.render, start, start + len(others)))
        elif cells.render is not None:
            singles.append((index, cells.render))
    records = queryset.prefetch_related(None).values_list(*paths, *extra).iterator(chunk_size=chunk_size)
    while chunk := list(islice(records, chunk_size)):
        if manys:
            keys = [record[manys[0][0]] for record in chunk]
            found = [(index, render, read(keys)) for index, render, read in manys]
        for record in chunk:
            row = list(record)
            for index, render in singles:
                row[index] = render(row[index])
            for index, render, start, end in multiples:
                row[index] = render(row[index], *row[start:end])
            if manys:
                for index, render, by_key in found:
                    row[index] = render(by_key.get(row[index], ()))
            if extra:
                del row[width:]
            yield row


def related_reader(model, cells):
    """Return a function reading, for a list of record keys, {key: [values of each related
    record]} for the relation `cells.many` (a many-to-many field, or the reverse of a foreign key
    such as parties), in the related model's own order, as `record.<relation>.all()` lists them."""
    try:
        relation = model._meta.get_field(cells.many)
    except FieldDoesNotExist:
        raise ValueError(f"{model.__name__} has no relation {cells.many!r} to export") from None
    if relation.many_to_many and not relation.auto_created:
        back = relation.related_query_name()  # the lookup from the related model to `model`
    else:
        back = relation.field.name
    related = relation.related_model._default_manager

    def read(keys):
        by_key = {}
        for key, *values in related.filter(**{f"{back}__in": keys}).values_list(back, *cells.paths):
            by_key.setdefault(key, []).append(values)
        return by_key

    return read
