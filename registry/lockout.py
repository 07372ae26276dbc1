"""Who is locked out of the admin login (django-axes' extension points, named in settings).

Behind PROXY_COUNT reverse proxies, each proxy appends the address it received the request from to
X-Forwarded-For, so the client's own address is PROXY_COUNT entries from the right; anything
further left was written by the client and proves nothing. Without proxies it is REMOTE_ADDR.
The API's rate limit counts requests by the same address (registry/api.py).

Two limits: LOGIN_FAILURES_PER_USER failures for one username from one address lock that pair
out (guessing one password); LOGIN_FAILURES_PER_ADDRESS failures from one address, whatever the
usernames, lock the address out (password spraying). The second is higher, so colleagues behind
one office address do not lock each other out with a few typos.
"""

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils import translation

from .middleware import chosen_language


def client_ip_address(request):
    """Return the address of the client, as the trusted proxies in front of the site saw it; the
    nearest one's (REMOTE_ADDR) if what they wrote is not an address."""
    hops = settings.PROXY_COUNT
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops and (address := address_in(forwarded[-hops])):
            return address
    return request.META.get("REMOTE_ADDR")


def address_in(entry):
    """The IP address of one X-Forwarded-For entry, or None: some proxies add the client's port
    (10.0.0.1:5555, [2001:db8::1]:443), and axes stores the address in a column that takes only
    an address (a 500 on PostgreSQL otherwise)."""
    if entry.startswith("["):
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def failure_limit(request, credentials):
    """Return the limit that applies: per username and address once that pair is at its limit,
    else the higher per-address limit (axes compares it with the larger of the two counts)."""
    per_user = settings.LOGIN_FAILURES_PER_USER
    pair_failures = (
        AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            username=get_client_username(request, credentials),
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(n=Sum("failures_since_start"))["n"]
        or 0
    )
    return per_user if pair_failures >= per_user else settings.LOGIN_FAILURES_PER_ADDRESS


def locked_out(request, original_response=None, credentials=None):
    """The page a locked-out login gets (axes' AXES_LOCKOUT_CALLABLE): axes' own message says the
    account is locked, which is wrong when the address is; this one names both and the wait, in
    the reader's language, without saying which limit was reached (that would help a guesser)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    # A page of the public site's design: in the language the reader chose there, Kazakh too,
    # not the admin's (Russian or English only).
    with translation.override(chosen_language(request, dict(settings.LANGUAGES))):
        response = render(request, "locked_out.html", {"minutes": minutes}, status=429)
        response["Content-Language"] = translation.get_language()
    response["Retry-After"] = str(minutes * 60)  # as the API's 429 says when to come back
    return response
