"""Keep SQLite's query planner told what the tables hold after bulk writes.

PostgreSQL's autovacuum reads fresh statistics after large changes; SQLite has nothing like it,
and without statistics its planner guesses: at 100 000 institutions it sorted every Kazakh
institution for `/institutions/?country=KZ` instead of reading the list's index in order, because
it took two countries for many (`make bench`). So once a transaction that bulk-wrote a table of
records has committed (imports, the generator), that table is analysed: about 70 ms at 100 000
rows. Only the records' tables (models.RegistryQuerySet), whose lists choose between indexes:
quotes have five mostly empty foreign keys, which SQLite's statistics count as one value shared
by most rows, and with them it would read every quote instead of a page's few by their index.
"""

from functools import partial

from django.db import connections, transaction


def analyze(using, table):
    with connections[using].cursor() as cursor:
        cursor.execute(f'ANALYZE "{table}"')


def analyze_when_committed(model, using):
    """ANALYZE the model's table on SQLite when the current transaction commits, once however
    many batches it writes (at once outside a transaction)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    table = model._meta.db_table
    for _savepoints, callback, _robust in connection.run_on_commit:
        if getattr(callback, "func", None) is analyze and callback.args == (using, table):
            return
    transaction.on_commit(partial(analyze, using, table), using=using)
