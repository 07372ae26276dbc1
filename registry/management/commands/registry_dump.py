from django.core.management.base import BaseCommand

from registry.dumps import write_dump


class Command(BaseCommand):
    help = "Write the whole published registry as one dated zip archive (JSON Lines and CSV) into DUMP_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Write here instead of DUMP_DIR.")

    def handle(self, *args, dir=None, **options):
        dump = write_dump(dir)
        self.stdout.write(f"{dump.path} {dump.size} bytes sha256 {dump.sha256}")
