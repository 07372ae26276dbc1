"""Several threads write to the embedded SQLite at once, as gunicorn threads or an import beside an
edit would. Run by tests/test_sqlite_concurrency.py with DATABASE_URL naming a fresh file."""

import os
import sys
import threading

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from registry import models  # noqa: E402
from registry.spreadsheets.resources import InstitutionResource  # noqa: E402

call_command("migrate", verbosity=0)
country = models.Country.objects.create(code="KZ", name_ru="Казахстан", name_en="Kazakhstan")
errors = []
ROWS = 60


def writer(n):
    try:
        for i in range(ROWS):
            with transaction.atomic():
                record = models.Institution.objects.create(
                    slug=f"t{n}-{i}",
                    name=f"Вуз {n}-{i}",
                    name_ru=f"Вуз {n}-{i}",
                    kind="university",
                    country=country,
                )
                record.city = "Алматы"
                record.save()
    except Exception as error:  # report any failure, "database is locked" above all
        errors.append(repr(error))
    finally:
        connection.close()


def importer():
    import tablib

    rows = [[f"imp-{i}", f"Импорт {i}", f"Импорт {i}", "university", "KZ", "да", "нет"] for i in range(300)]
    headers = [
        "Код записи",
        "Официальное название",
        "Название по-русски",
        "Вид",
        "Страна",
        "Действует",
        "Опубликовано",
    ]
    try:
        result = InstitutionResource().import_data(
            tablib.Dataset(*rows, headers=headers), rollback_on_validation_errors=True
        )
        if result.has_errors() or result.has_validation_errors():
            errors.append(repr(result.sheet_errors[:3]))
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()


threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)] + [threading.Thread(target=importer)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("errors:", errors)
print("rows:", models.Institution.objects.count())
sys.exit(1 if errors else 0)
