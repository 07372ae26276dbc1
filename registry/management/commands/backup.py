import datetime
import json

from django.apps import apps
from django.core import serializers
from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder keeps milliseconds only, so a restored backup
    differed from the registry it was taken of (and backing it up again gave another file)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Command(BaseCommand):
    help = (
        "Write the whole registry (records, their history, the import journal, staff accounts and "
        "groups) to one JSON file that `manage.py loaddata FILE` restores into an empty, migrated "
        "database. Example: manage.py backup -o registry-backup.json"
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, output=None, **options):
        # `dumpdata` applies one choice of natural keys to everything; each part here needs its own.
        # - groups by name, so they merge with the groups the migrations create;
        # - users keep their ids, which history rows use, with groups and permissions by name;
        # - registry rows keep their ids too: history rows of deleted records refer to them.
        Group, User = apps.get_model("auth", "Group"), apps.get_model("auth", "User")
        parts = [(Group.objects.order_by("name"), True, True), (User.objects.order_by("pk"), True, False)]
        parts += [
            (model._default_manager.order_by("pk"), False, False)
            for model in apps.get_app_config("registry").get_models()
            if model._meta.model_name != "pendingimport"  # previews waiting for confirmation
        ]
        objects = []
        for queryset, natural_foreign, natural_primary in parts:
            objects += serializers.serialize(
                "python",
                queryset.iterator(),
                use_natural_foreign_keys=natural_foreign,
                use_natural_primary_keys=natural_primary,
            )
        text = json.dumps(objects, cls=ExactJSONEncoder, ensure_ascii=False, indent=1)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stderr.write(f"Wrote {len(objects)} objects to {output}.")
        else:
            self.stdout.write(text)
