import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the 'admin' superuser unless a superuser exists already."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists already; nothing to do.")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        if "DJANGO_SUPERUSER_PASSWORD" in os.environ:
            self.stdout.write("Created superuser 'admin' with the password from DJANGO_SUPERUSER_PASSWORD.")
        else:
            self.stdout.write(self.style.WARNING(f"Created superuser 'admin' with password: {password}"))
            self.stdout.write("It is shown only this once; change it in the admin.")
