from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation


class RussianFirstLocaleMiddleware(LocaleMiddleware):
    """Russian unless the visitor chose English with the switch.

    Django's LocaleMiddleware also follows the browser's Accept-Language, so most visitors
    abroad, and every headless browser, would get English; the registry speaks Russian first.
    The admin speaks only `ADMIN_LANGUAGES`: Django's Kazakh admin catalogue is too incomplete
    to offer, so a reader who chose Kazakh sees the admin in Russian rather than half in each.
    The services for programs (the API, the reconciliation service) answer in the language the
    client asks for, by a `lang=` parameter or Accept-Language, Russian by default.
    """

    SERVICES = ("/api/", "/reconcile")

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        in_admin = request.path.startswith(reverse("admin:index"))
        offered = settings.ADMIN_LANGUAGES if in_admin else dict(settings.LANGUAGES)
        language = chosen if chosen in offered else settings.LANGUAGE_CODE
        if request.path.startswith(self.SERVICES):
            asked = request.GET.get("lang")
            language = asked if asked in offered else translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
