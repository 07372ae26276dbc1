"""Where an import waits between preview and confirmation."""

from uuid import uuid4

from import_export.tmp_storages import BaseStorage

from ..models import PendingImport


class DatabaseStorage(BaseStorage):
    """Keep the preview's parsed rows in the database (django-import-export's storage extension
    point, IMPORT_EXPORT_TMP_STORAGE_CLASS): behind a load balancer the confirmation may reach
    another worker or another host, and every one of them reads the same database."""

    def save(self, data):
        if not self.name:
            self.name = uuid4().hex
        PendingImport.objects.update_or_create(name=self.name, defaults={"data": bytes(data)})

    def read(self):
        return bytes(PendingImport.objects.get(name=self.name).data)

    def remove(self):
        PendingImport.objects.filter(name=self.name).delete()
