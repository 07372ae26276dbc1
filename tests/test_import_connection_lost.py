"""`registry_import` whose database connection dies half-way ends with a message, and imports nothing.

The connection is really lost: on PostgreSQL another connection terminates ours
(pg_terminate_backend) just before the import's first INSERT; on SQLite, which has no server to
lose, the connection is interrupted there, so every later statement fails with a real
sqlite3.OperationalError, as a lost one would.
"""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from registry import models
from tests import factories
from tests.spreadsheets import INSTITUTION_HEADERS, csv_bytes, institution_row

COUNTRY_HEADERS = ["Код ISO", "Название", "Название по-английски"]
COUNTRIES = [["UZ", "Узбекистан", "Uzbekistan"], ["TJ", "Таджикистан", "Tajikistan"]]


def kill_this_connection():
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        pid = connection.connection.info.backend_pid
        with psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"],
            port=settings["PORT"],
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:
        connection.connection.set_progress_handler(lambda: 1, 1)


def lose_the_connection_at_the_first_insert_into(table):
    killed = []

    def wrapper(execute, sql, params, many, context):
        if not killed and sql.startswith(f'INSERT INTO "{table}"'):
            killed.append(sql)
            kill_this_connection()
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


def reconnect():
    if connection.vendor == "sqlite" and connection.connection:
        # Django closes a connection whose rollback failed, and closing discards its open
        # transaction; the in-memory test database cannot be closed, so discard it here.
        connection.connection.set_progress_handler(None, 1)
        connection.connection.rollback()
    connection.close()


@pytest.fixture
def reconnect_afterwards():
    yield
    reconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "model, headers, rows, table",
    [
        # One row at a time: the failure comes back as an exception.
        ("country", COUNTRY_HEADERS, COUNTRIES, "registry_country"),
        # In batches: the library records the failure as the import's error instead of raising.
        (
            "institution",
            INSTITUTION_HEADERS,
            [institution_row(), institution_row("samgtu")],
            "registry_institution",
        ),
    ],
)
def test_an_import_that_loses_the_database_ends_with_a_message(
    tmp_path, reconnect_afterwards, model, headers, rows, table
):
    factories.country("RU", "Россия", "Russia")
    path = tmp_path / f"{model}.csv"
    path.write_bytes(csv_bytes(headers, rows))

    lost = pytest.raises(CommandError, match="Соединение с базой данных прервалось")
    with lose_the_connection_at_the_first_insert_into(table), lost as error:
        call_command("registry_import", model, str(path))

    assert "Ничего не импортировано" in str(error.value)
    reconnect()
    assert not models.Country.objects.filter(code__in=["UZ", "TJ"]).exists()
    assert not models.Institution.objects.exists()
    assert not models.ImportRecord.objects.exists()


def test_a_connection_is_checked_before_it_is_reused():
    """With CONN_MAX_AGE set, a connection the database dropped is replaced, not reused into a 500."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
