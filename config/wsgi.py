import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from registry import preparing  # noqa: E402  (needs the settings)

preparing.start_early()  # each server process: its downloads are written by a process apart
